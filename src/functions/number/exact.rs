//! Arithmetic on floats as the decimals they are written as, so that money never shows binary
//! noise: `0.1 + 0.2` is `0.3`, not `0.30000000000000004`.
//!
//! Each float is taken as its shortest round-trip representation (what `{}` prints: `0.1` for
//! the float nearest 0.1), the operation is computed in decimal (`rust_decimal`, 28 significant
//! digits), and the result is the float nearest that decimal. Numbers a decimal cannot hold
//! (beyond about 7.9e28, or with more than 28 decimals, like 1e-30) fall back to float
//! arithmetic. No result is `-0.0`.

use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

use super::decimal::no_negative_zero;
use crate::syntax::ast::BinOp;

/// The decimal a finite float is written as (its shortest round-trip representation); None
/// when a decimal cannot hold it exactly.
pub(super) fn to_decimal(x: f64) -> Option<Decimal> {
    if !x.is_finite() {
        return None;
    }
    Decimal::from_str_exact(&format!("{x}")).ok()
}

/// The float nearest a decimal (through its text, which `str::parse` rounds correctly).
pub(super) fn to_f64(d: Decimal) -> Option<f64> {
    f64::from_str(&d.to_string())
        .ok()
        .filter(|x| x.is_finite())
        .map(no_negative_zero)
}

/// `a op b` for the arithmetic operators `+ - * / %` of the language, computed on the decimals
/// `a` and `b` are written as: `arith(Add, 0.1, 0.2)` is `0.3`, `arith(Mul, 1.1, 1.1)` is
/// `1.21`, `arith(Rem, 0.3, 0.1)` is `0.0`. `%` keeps the sign of `a` (like Rust's `%`).
///
/// None for an operator that is not arithmetic. A division or remainder by zero gives what
/// float arithmetic gives (infinite or NaN): the caller reports it. Operands or results a
/// decimal cannot hold are computed in float arithmetic. The result is never `-0.0`.
pub fn arith(op: BinOp, a: f64, b: f64) -> Option<f64> {
    let float = match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => a / b,
        BinOp::Rem => a % b,
        _ => return None,
    };
    let exact = || {
        let (x, y) = (to_decimal(a)?, to_decimal(b)?);
        let r = match op {
            BinOp::Add => x.checked_add(y),
            BinOp::Sub => x.checked_sub(y),
            BinOp::Mul => x.checked_mul(y),
            BinOp::Div => x.checked_div(y),
            _ => x.checked_rem(y),
        }?;
        to_f64(r)
    };
    Some(no_negative_zero(exact().unwrap_or(float)))
}

/// The sum of floats computed in decimal (see the module docs); float arithmetic when a
/// decimal cannot hold an operand or the total.
pub(super) fn sum(xs: &[f64]) -> f64 {
    // Whole numbers below 1e12, fewer than 9000 of them: every partial sum is a whole number
    // below 2^53, so float addition is exact (stocks summed over variants).
    if xs.len() < 9000 && xs.iter().all(|x| x.fract() == 0.0 && x.abs() < 1e12) {
        return no_negative_zero(xs.iter().sum());
    }
    let exact = || {
        let mut total = Decimal::ZERO;
        for &x in xs {
            total = total.checked_add(to_decimal(x)?)?;
        }
        to_f64(total)
    };
    no_negative_zero(exact().unwrap_or_else(|| xs.iter().sum()))
}

/// `x` rounded half away from zero to a multiple of `10^places` (`places` > 0: tens,
/// hundreds...), computed in decimal; float arithmetic when a decimal cannot hold it.
pub(super) fn round_to_tens(x: f64, places: u32) -> f64 {
    let exact = || {
        let p = Decimal::try_from_i128_with_scale(10i128.checked_pow(places)?, 0).ok()?;
        let q = to_decimal(x)?.checked_div(p)?;
        to_f64(
            q.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
                .checked_mul(p)?,
        )
    };
    no_negative_zero(exact().unwrap_or_else(|| {
        let p = 10f64.powi(i32::try_from(places).unwrap_or(i32::MAX));
        (x / p).round() * p
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(op: BinOp, a: f64, b: f64) -> f64 {
        arith(op, a, b).unwrap_or(f64::NAN)
    }

    #[test]
    fn no_binary_noise() {
        assert_eq!(op(BinOp::Add, 0.1, 0.2), 0.3);
        assert_eq!(op(BinOp::Sub, 0.3, 0.1), 0.2);
        assert_eq!(op(BinOp::Mul, 1.1, 1.1), 1.21);
        assert_eq!(op(BinOp::Mul, 49.9, 3.0), 149.7);
        assert_eq!(op(BinOp::Mul, 19.99, 1.22), 24.3878);
        assert_eq!(op(BinOp::Div, 0.3, 0.1), 3.0);
        assert_eq!(op(BinOp::Div, 1.0, 3.0), 1.0 / 3.0);
        assert_eq!(op(BinOp::Div, 2.0, 3.0), 2.0 / 3.0);
        assert_eq!(op(BinOp::Rem, 0.3, 0.1), 0.0);
        assert_eq!(op(BinOp::Rem, 5.5, 2.0), 1.5);
        assert_eq!(op(BinOp::Rem, -5.5, 2.0), -1.5);
        assert_eq!(op(BinOp::Add, 7.0, 0.5), 7.5);
    }

    #[test]
    fn never_negative_zero() {
        for x in [
            op(BinOp::Add, -0.5, 0.5),
            op(BinOp::Mul, -0.0, 3.0),
            op(BinOp::Mul, -2.0, 0.0),
            op(BinOp::Rem, -4.0, 2.0),
            op(BinOp::Sub, 0.0, 0.0),
            sum(&[-0.0]),
            sum(&[-0.1, 0.1]),
            round_to_tens(-4.0, 1),
        ] {
            assert_eq!(x, 0.0);
            assert!(x.is_sign_positive());
        }
    }

    #[test]
    fn outside_decimals_it_is_float_arithmetic() {
        assert_eq!(op(BinOp::Mul, 1e30, 2.0), 2e30);
        assert_eq!(op(BinOp::Add, 1e-30, 1e-30), 2e-30);
        assert_eq!(op(BinOp::Mul, 1e20, 1e20), 1e40);
        assert!(op(BinOp::Div, 1.0, 0.0).is_infinite());
        assert!(op(BinOp::Rem, 1.0, 0.0).is_nan());
        assert_eq!(op(BinOp::Add, f64::MAX, 1.0), f64::MAX);
        assert_eq!(arith(BinOp::Concat, 1.0, 2.0), None);
        assert_eq!(arith(BinOp::Lt, 1.0, 2.0), None);
    }

    #[test]
    fn sums_and_tens() {
        assert_eq!(sum(&[0.1, 0.2]), 0.3);
        assert_eq!(sum(&[0.1; 10]), 1.0);
        assert_eq!(sum(&[19.99, 5.01, 0.1]), 25.1);
        assert_eq!(sum(&[]), 0.0);
        assert_eq!(sum(&[1e300, 1e300]), 2e300);
        assert_eq!(round_to_tens(1249.9, 1), 1250.0);
        assert_eq!(round_to_tens(24.999999999999996, 1), 20.0);
        assert_eq!(round_to_tens(-1250.0, 2), -1300.0);
        assert_eq!(round_to_tens(1e300, 2), 1e300);
    }
}
