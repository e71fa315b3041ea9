//! Delivery to Clerk: API push with batching, retries and incremental state, the shrink guard, and the feed server.
