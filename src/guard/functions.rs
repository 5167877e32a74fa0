//! The built-in functions. Each works on the values its arguments select;
//! a value a function cannot use (a number given to `to_lower`) yields
//! nothing rather than an error, so the clause that uses it skips or fails
//! as an empty selection does.

use std::sync::Arc;

use super::ast::Func;
use super::eval::QR;
use super::value::{Kind, Val};

fn values(arg: &[QR]) -> impl Iterator<Item = &Arc<Val>> {
    arg.iter().filter_map(QR::value)
}

fn lit(kind: Kind) -> QR {
    QR::Lit(Val::lit(kind))
}

fn strings(arg: &[QR]) -> impl Iterator<Item = &str> {
    values(arg).filter_map(|v| v.as_str())
}

fn first_int(arg: &[QR]) -> Option<i64> {
    values(arg).find_map(|v| match v.kind {
        Kind::Int(i) => Some(i),
        Kind::Float(f) if f.fract() == 0.0 => Some(f as i64),
        _ => None,
    })
}

/// Calls `func` on its evaluated arguments (arity was checked when parsing).
pub fn call(func: Func, args: &[Vec<QR>]) -> Vec<QR> {
    let arg = |n: usize| args.get(n).map(Vec::as_slice).unwrap_or(&[]);
    match func {
        Func::Count => vec![lit(Kind::Int(
            i64::try_from(values(arg(0)).count()).unwrap_or(i64::MAX),
        ))],
        Func::Now => {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            vec![lit(Kind::Int(i64::try_from(secs).unwrap_or(i64::MAX)))]
        }
        Func::JsonParse => strings(arg(0))
            .filter_map(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            .map(|j| QR::Lit(Val::from_json(&j, 0)))
            .collect(),
        Func::ToLower => strings(arg(0))
            .map(|s| lit(Kind::Str(s.to_lowercase().into())))
            .collect(),
        Func::ToUpper => strings(arg(0))
            .map(|s| lit(Kind::Str(s.to_uppercase().into())))
            .collect(),
        Func::UrlDecode => strings(arg(0))
            .filter_map(|s| {
                let plus = s.replace('+', " ");
                percent_encoding::percent_decode_str(&plus)
                    .decode_utf8()
                    .ok()
                    .map(|d| lit(Kind::Str(d.into_owned().into())))
            })
            .collect(),
        Func::Join => {
            let delim = strings(arg(1)).next().unwrap_or("").to_string();
            let mut parts = Vec::new();
            for v in values(arg(0)) {
                match &v.kind {
                    Kind::List(items) => parts.extend(items.iter().filter_map(|i| scalar_text(i))),
                    _ => parts.extend(scalar_text(v)),
                }
            }
            vec![lit(Kind::Str(parts.join(&delim).into()))]
        }
        Func::Substring => {
            let (Some(from), Some(to)) = (first_int(arg(1)), first_int(arg(2))) else {
                return Vec::new();
            };
            strings(arg(0))
                .filter_map(|s| {
                    let chars: Vec<char> = s.chars().collect();
                    let from = usize::try_from(from).ok()?;
                    let to = usize::try_from(to).ok()?;
                    (from <= to && to <= chars.len())
                        .then(|| lit(Kind::Str(chars[from..to].iter().collect::<String>().into())))
                })
                .collect()
        }
        Func::RegexReplace => {
            let Some(pattern) = strings(arg(1)).next() else {
                return Vec::new();
            };
            let Some(re) = super::value::compile_pattern(pattern) else {
                return Vec::new();
            };
            let replacement = strings(arg(2)).next().unwrap_or("").to_string();
            strings(arg(0))
                .filter_map(|s| super::value::replace_all(&re, s, &replacement))
                .map(|s| lit(Kind::Str(s.into())))
                .collect()
        }
        Func::ParseString => values(arg(0))
            .filter_map(|v| scalar_text(v).map(|s| lit(Kind::Str(s.into()))))
            .collect(),
        Func::ParseBoolean => values(arg(0))
            .filter_map(|v| match &v.kind {
                Kind::Bool(b) => Some(lit(Kind::Bool(*b))),
                Kind::Str(s) if s.eq_ignore_ascii_case("true") => Some(lit(Kind::Bool(true))),
                Kind::Str(s) if s.eq_ignore_ascii_case("false") => Some(lit(Kind::Bool(false))),
                _ => None,
            })
            .collect(),
        Func::ParseInt => values(arg(0))
            .filter_map(|v| match &v.kind {
                Kind::Int(i) => Some(lit(Kind::Int(*i))),
                Kind::Float(f) if f.is_finite() => Some(lit(Kind::Int(f.trunc() as i64))),
                Kind::Str(s) => s.trim().parse::<i64>().ok().map(|i| lit(Kind::Int(i))),
                _ => None,
            })
            .collect(),
        Func::ParseFloat => values(arg(0))
            .filter_map(|v| match &v.kind {
                Kind::Int(i) => Some(lit(Kind::Float(*i as f64))),
                Kind::Float(f) => Some(lit(Kind::Float(*f))),
                Kind::Str(s) => s
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(|f| lit(Kind::Float(f))),
                _ => None,
            })
            .collect(),
        Func::ParseChar => values(arg(0))
            .filter_map(|v| match &v.kind {
                Kind::Char(c) => Some(lit(Kind::Char(*c))),
                Kind::Str(s) => {
                    let mut it = s.chars();
                    match (it.next(), it.next()) {
                        (Some(c), None) => Some(lit(Kind::Char(c))),
                        _ => None,
                    }
                }
                Kind::Int(i) if (0..=9).contains(i) => {
                    char::from_digit(u32::try_from(*i).ok()?, 10).map(|c| lit(Kind::Char(c)))
                }
                _ => None,
            })
            .collect(),
        Func::ParseEpoch => strings(arg(0))
            .filter_map(|s| parse_rfc3339(s).map(|t| lit(Kind::Int(t))))
            .collect(),
    }
}

fn scalar_text(v: &Val) -> Option<String> {
    match &v.kind {
        Kind::Str(s) => Some(s.to_string()),
        Kind::Int(i) => Some(i.to_string()),
        Kind::Float(f) => Some(f.to_string()),
        Kind::Bool(b) => Some(b.to_string()),
        Kind::Char(c) => Some(c.to_string()),
        Kind::Null => Some("null".into()),
        _ => None,
    }
}

/// Seconds since the epoch of an RFC 3339 timestamp
/// (`2024-01-31T12:00:00Z`, `2024-01-31T12:00:00.5+02:00`).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse::<i64>().ok() };
    if b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || !matches!(b.get(10), Some(b'T' | b't' | b' '))
    {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, min, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(frac.len());
        rest = &frac[n..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            let h: i64 = rest.get(1..3)?.parse().ok()?;
            let m: i64 = rest.get(4..6)?.parse().ok()?;
            sign * (h * 3600 + m * 60)
        }
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3600 + min * 60 + sec - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_of_rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2000-03-01T00:00:00Z"), Some(951_868_800));
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_rfc3339("not a date"), None);
    }
}
