//! Source files, byte spans and the line index that turns a byte offset into a
//! 1-based line and a 1-based column counted in Unicode code points.

use std::path::PathBuf;
use std::sync::OnceLock;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one file: `start..end`, `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        let end = u32::try_from(end).unwrap_or(u32::MAX).max(start);
        Span { file, start, end }
    }

    /// The smallest span covering both (same file assumed; `self`'s file wins).
    pub fn join(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// A 1-based line and column (code points) position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// Offsets of line starts, built once per file so that positions are found by
/// binary search rather than by rescanning the text for every finding.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    /// For text that is not all ASCII: how many characters start before
    /// each multiple of [`CHAR_STRIDE`] bytes, so that a column costs at
    /// most a stride's scan even on one long line (minified JSON, a
    /// Terraform plan). `None` for ASCII text, where columns are bytes.
    chars_before: Option<Vec<u32>>,
}

/// Bytes between the character counts a [`LineIndex`] keeps.
const CHAR_STRIDE: usize = 256;

/// Characters starting in `bytes`: the bytes that do not continue one.
fn chars_starting(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        line_starts.push(0);
        line_starts.extend(
            memchr::memchr_iter(b'\n', text.as_bytes())
                .map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX)),
        );
        let chars_before = (!text.is_ascii()).then(|| {
            let mut counts = Vec::with_capacity(text.len() / CHAR_STRIDE + 1);
            let mut total = 0u32;
            counts.push(0);
            for chunk in text.as_bytes().chunks(CHAR_STRIDE) {
                total = total.saturating_add(u32::try_from(chars_starting(chunk)).unwrap_or(0));
                counts.push(total);
            }
            counts
        });
        LineIndex {
            line_starts,
            chars_before,
        }
    }

    /// Characters starting before byte `offset` (at most `text.len()`).
    fn chars_to(&self, text: &str, offset: usize) -> usize {
        let Some(counts) = &self.chars_before else {
            return offset;
        };
        let block = offset / CHAR_STRIDE;
        let base = counts.get(block).copied().unwrap_or(0) as usize;
        let from = (block * CHAR_STRIDE).min(offset);
        base + text.as_bytes().get(from..offset).map_or(0, chars_starting)
    }

    /// Line and column of a byte offset. A `\r` before `\n` belongs to the
    /// line it ends; offsets inside a multi-byte character count as that
    /// character.
    pub fn line_col(&self, text: &str, offset: u32) -> LineCol {
        let offset = (offset as usize).min(text.len());
        let line = match self.line_starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = (self.line_starts.get(line).copied().unwrap_or(0) as usize).min(offset);
        let column = self.chars_to(text, offset) - self.chars_to(text, start) + 1;
        LineCol {
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte range of 1-based line `line`, without its line terminator.
    pub fn line_range(&self, text: &str, line: u32) -> Option<(usize, usize)> {
        let idx = (line as usize).checked_sub(1)?;
        let start = *self.line_starts.get(idx)? as usize;
        let mut end = self
            .line_starts
            .get(idx + 1)
            .map_or(text.len(), |&n| n as usize);
        let bytes = text.as_bytes();
        while end > start && matches!(bytes.get(end - 1), Some(b'\n' | b'\r')) {
            end -= 1;
        }
        Some((start, end))
    }
}

/// One file that was read.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub id: FileId,
    /// The path as given or found on disk.
    pub path: PathBuf,
    /// The path shown to users and written to SARIF/JSON: relative to the
    /// working directory where possible, with `/` separators.
    pub display: String,
    /// The text as read: kept, not copied, since it is most of a run's
    /// memory.
    pub text: String,
    /// Built on first use: most files of a run have no finding to place.
    lines: OnceLock<LineIndex>,
}

impl SourceFile {
    pub fn new(id: FileId, path: PathBuf, display: String, text: impl Into<String>) -> Self {
        SourceFile {
            id,
            path,
            display,
            text: text.into(),
            lines: OnceLock::new(),
        }
    }

    /// The file's line starts, indexed on first use.
    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    pub fn line_col(&self, offset: u32) -> LineCol {
        self.lines().line_col(&self.text, offset)
    }

    /// Start and end positions of a span; the end is the position just after
    /// the span's last character (exclusive), as SARIF's `endColumn` is.
    pub fn range(&self, span: Span) -> (LineCol, LineCol) {
        (self.line_col(span.start), self.line_col(span.end))
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
}

/// Every file of one run, addressable by [`FileId`].
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        SourceMap::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, path: PathBuf, display: String, text: impl Into<String>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile::new(id, path, display, text));
        id
    }

    /// Adds files (path, display path, text) in order; returns their ids.
    pub fn add_all(&mut self, files: Vec<(PathBuf, String, String)>) -> Vec<FileId> {
        let base = self.files.len();
        let added: Vec<SourceFile> = files
            .into_iter()
            .enumerate()
            .map(|(i, (path, display, text))| {
                let id = FileId(u32::try_from(base + i).unwrap_or(u32::MAX));
                SourceFile::new(id, path, display, text)
            })
            .collect();
        let ids = added.iter().map(|f| f.id).collect();
        self.files.extend(added);
        ids
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_code_points_and_crlf() {
        let text = "ab\r\né x\nlast";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), LineCol { line: 1, column: 1 });
        assert_eq!(idx.line_col(text, 4), LineCol { line: 2, column: 1 });
        // 'x' is after 'é' (2 bytes) and a space.
        let x = text.find('x').unwrap() as u32;
        assert_eq!(idx.line_col(text, x), LineCol { line: 2, column: 3 });
        let l = text.find("last").unwrap() as u32;
        assert_eq!(idx.line_col(text, l), LineCol { line: 3, column: 1 });
        assert_eq!(idx.line_range(text, 1), Some((0, 2)));
        assert_eq!(idx.line_col(text, 999), LineCol { line: 3, column: 5 });
    }

    #[test]
    fn files_added_together_keep_their_order_and_lines() {
        let mut map = SourceMap::new();
        let first = map.add(PathBuf::from("a.yaml"), "a.yaml".into(), "x: 1\n");
        let texts: Vec<(PathBuf, String, String)> = (0..100)
            .map(|i| {
                let name = format!("f{i}.yaml");
                (PathBuf::from(&name), name, "a\n".repeat(i))
            })
            .collect();
        let ids = map.add_all(texts);
        assert_eq!(first, FileId(0));
        assert_eq!(ids, (1..=100).map(FileId).collect::<Vec<_>>());
        for (i, id) in ids.into_iter().enumerate() {
            let file = map.get(id).unwrap();
            assert_eq!(file.id, id);
            assert_eq!(file.display, format!("f{i}.yaml"));
            assert_eq!(file.lines().line_count(), i + 1);
        }
    }

    /// The column as defined: one more than the characters that start on
    /// the line before `offset`.
    fn naive_column(text: &str, offset: usize) -> u32 {
        let offset = offset.min(text.len());
        let start = text.as_bytes()[..offset]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        1 + text[start..]
            .char_indices()
            .take_while(|&(i, _)| start + i < offset)
            .count() as u32
    }

    proptest::proptest! {
        /// Columns from the stride counts equal counting from the line's
        /// start, on long lines of mixed-width characters, at every offset
        /// (inside characters too).
        #[test]
        fn columns_match_counting_from_the_line_start(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("a"),
                    proptest::strategy::Just("é"),
                    proptest::strategy::Just("€"),
                    proptest::strategy::Just("😀"),
                    proptest::strategy::Just("\n"),
                    proptest::strategy::Just("\r\n"),
                ],
                0..700,
            ),
        ) {
            let text: String = parts.concat();
            let idx = LineIndex::new(&text);
            for offset in 0..=text.len() + 1 {
                let got = idx.line_col(&text, offset as u32).column;
                proptest::prop_assert_eq!(got, naive_column(&text, offset), "offset {}", offset);
            }
        }
    }
}
