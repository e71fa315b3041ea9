//! The integrator's workflow: mapping test cases, explain, inspect, formatting, project scaffolding, HTML reports.
