//! Text from scanned files made safe to print on a terminal.
//!
//! Resource names, values, file names and source lines come from the files
//! under review, which may be hostile. Printed as they are, their control
//! characters reach the terminal: an escape sequence can recolour or hide
//! text, move the cursor to overwrite findings, set the window title or
//! (OSC 52, in several terminals) write the clipboard; a carriage return or
//! line break can forge a line such as "No findings". Every human-facing
//! report passes such text through here first. Machine formats (JSON,
//! SARIF) escape control characters by their own rules and need nothing.

use std::borrow::Cow;

/// The bidirectional embeddings, overrides and isolates: they reorder how
/// the rest of a line is drawn, so that a line can show other text than it
/// holds ("Trojan Source", CVE-2021-42574).
fn bidi(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` is shown as something else: Unicode's control characters
/// (C0, DEL, C1), but for the tab and, where `lines` allows them, the line
/// break; and the bidirectional controls. A carriage return before a line
/// break is dropped by [`text`] rather than shown.
fn replaced(c: char, lines: bool) -> bool {
    (c.is_control() && c != '\t' && !(lines && c == '\n')) || bidi(c)
}

/// The visible stand-in for a control character: its Unicode control
/// picture (`␛` for ESC, `␍` for a carriage return), `␡` for DEL, and the
/// replacement character for the C1 controls and the bidirectional ones,
/// which have no picture.
fn picture(c: char) -> char {
    match c as u32 {
        n @ 0..=0x1F => char::from_u32(0x2400 + n).unwrap_or(char::REPLACEMENT_CHARACTER),
        0x7F => '\u{2421}',
        _ => char::REPLACEMENT_CHARACTER,
    }
}

fn replace(s: &str, lines: bool) -> Cow<'_, str> {
    if !s.chars().any(|c| replaced(c, lines)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if lines && c == '\r' && chars.peek() == Some(&'\n') {
            continue;
        }
        out.push(if replaced(c, lines) { picture(c) } else { c });
    }
    Cow::Owned(out)
}

/// Text that may span lines (a message, a help text, a whole report): every
/// control character but the tab and the line break is shown as a picture;
/// `\r\n` becomes `\n`.
pub fn text(s: &str) -> Cow<'_, str> {
    replace(s, true)
}

/// Text that must stay on one line (a file name, a title): the line break
/// is shown as a picture too.
pub fn line(s: &str) -> Cow<'_, str> {
    replace(s, false)
}

/// Source text for a snippet, with the same length in bytes and characters,
/// so that spans and line numbers into the original still fit: a one-byte
/// control character (C0 but for the tab, the line break and a carriage
/// return before one; DEL) becomes `?`, a two-byte one (C1) `¿`, and a
/// bidirectional control (three bytes) the replacement character.
pub fn source(s: &str) -> Cow<'_, str> {
    let bytes = s.as_bytes();
    let keep = |i: usize, b: u8| match b {
        b'\t' | b'\n' => true,
        b'\r' => bytes.get(i + 1) == Some(&b'\n'),
        _ => false,
    };
    let hostile = |i: usize, b: u8| {
        (b < 0x20 && !keep(i, b))
            || b == 0x7F
            || (b == 0xC2 && matches!(bytes.get(i + 1), Some(0x80..=0x9F)))
            || (b == 0xE2 && s.get(i..).and_then(|t| t.chars().next()).is_some_and(bidi))
    };
    if !bytes.iter().enumerate().any(|(i, &b)| hostile(i, b)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.char_indices() {
        match c as u32 {
            0..=0x1F | 0x7F if !keep(i, c as u8) => out.push('?'),
            0x80..=0x9F => out.push('\u{BF}'),
            _ if bidi(c) => out.push(char::REPLACEMENT_CHARACTER),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_forged_lines_are_shown_not_obeyed() {
        // Colour, a window title (OSC ... BEL), a C1 CSI.
        assert_eq!(
            text("a\u{1b}[31mb\u{1b}]0;t\u{7}c\u{9b}2Jd\u{7f}"),
            "a\u{241b}[31mb\u{241b}]0;t\u{2407}c\u{fffd}2Jd\u{2421}"
        );
        assert_eq!(text("one\r\ntwo\rthree\tx"), "one\ntwo\u{240d}three\tx");
        assert_eq!(line("a\nNo findings"), "a\u{240a}No findings");
        assert_eq!(line("admin\u{202E}txt.exe"), "admin\u{fffd}txt.exe");
        assert!(matches!(text("plain, ünïcode — ’\n"), Cow::Borrowed(_)));
        assert!(matches!(line("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn source_keeps_every_offset() {
        let s = "k: \"\u{1b}[8m\u{9b}\"\r\nv: \u{7f}x\ry\t\u{e9}\u{2066}\u{2014}\n";
        let out = source(s);
        assert_eq!(
            out,
            "k: \"?[8m\u{bf}\"\r\nv: ?x?y\t\u{e9}\u{fffd}\u{2014}\n"
        );
        assert_eq!(out.len(), s.len());
        assert_eq!(out.chars().count(), s.chars().count());
        for (a, b) in s.char_indices().zip(out.char_indices()) {
            assert_eq!(a.0, b.0);
        }
        assert!(matches!(
            source("a: 1\r\n\tb: \u{e9}\u{2014}\n"),
            Cow::Borrowed(_)
        ));
    }
}
