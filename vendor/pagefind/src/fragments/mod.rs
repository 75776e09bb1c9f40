use std::collections::BTreeMap;

use serde::Serialize;

#[derive(Serialize, Debug, Clone)]
pub struct PageAnchorData {
    pub element: String,
    pub id: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub location: u32,
}

#[derive(Serialize, Debug, Clone)]
pub struct PageFragmentData {
    pub url: String,
    pub content: String,
    pub word_count: usize,
    pub filters: BTreeMap<String, Vec<String>>,
    pub meta: BTreeMap<String, String>,
    pub anchors: Vec<PageAnchorData>,
}

#[derive(Debug, Clone)]
pub struct PageFragment {
    pub page_number: usize,
    pub data: PageFragmentData,
}

impl PageFragmentData {
    /// careleaf: `serde_json::to_string(self)`, byte for byte, written
    /// directly: serde_json's string escaping looks up every byte of the
    /// page's text in a table (`format_escaped_str`, ~2% of a build's
    /// instructions); `push_json_str` passes over eight bytes at a time. The
    /// test `fragment_json_matches_serde_json` compares the two.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(self.url.len() + self.content.len() + 128);
        out.push_str("{\"url\":");
        push_json_str(&mut out, &self.url);
        out.push_str(",\"content\":");
        push_json_str(&mut out, &self.content);
        out.push_str(",\"word_count\":");
        out.push_str(&self.word_count.to_string());
        out.push_str(",\"filters\":{");
        for (i, (filter, values)) in self.filters.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_str(&mut out, filter);
            out.push_str(":[");
            for (j, value) in values.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                push_json_str(&mut out, value);
            }
            out.push(']');
        }
        out.push_str("},\"meta\":{");
        for (i, (key, value)) in self.meta.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_str(&mut out, key);
            out.push(':');
            push_json_str(&mut out, value);
        }
        out.push_str("},\"anchors\":[");
        for (i, anchor) in self.anchors.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"element\":");
            push_json_str(&mut out, &anchor.element);
            out.push_str(",\"id\":");
            push_json_str(&mut out, &anchor.id);
            out.push_str(",\"text\":");
            push_json_str(&mut out, &anchor.text);
            if let Some(title) = &anchor.title {
                out.push_str(",\"title\":");
                push_json_str(&mut out, title);
            }
            out.push_str(",\"location\":");
            out.push_str(&anchor.location.to_string());
            out.push('}');
        }
        out.push_str("]}");
        out
    }
}

/// careleaf: `s` as a JSON string, escaped as serde_json escapes it: `"`,
/// `\` and the control characters below U+0020 (`\b`, `\t`, `\n`, `\f`, `\r`
/// or `\u00xx` with lowercase hex digits); everything else as it is.
fn push_json_str(out: &mut String, s: &str) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Whether any byte of `x` is below 0x20, a `"` or a `\` (each test is
    // exact as to whether any byte matches: a borrow starts only at a byte
    // that matches, and bytes of 0x80 and above are masked out).
    let needs_escape = |x: u64| {
        let control = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
        let q = x ^ (ONES * b'"' as u64);
        let quote = q.wrapping_sub(ONES) & !q & HIGH;
        let b = x ^ (ONES * b'\\' as u64);
        let backslash = b.wrapping_sub(ONES) & !b & HIGH;
        (control | quote | backslash) != 0
    };
    let bytes = s.as_bytes();
    out.reserve(s.len() + 2);
    out.push('"');
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(chunk) = bytes.get(i..i + 8) {
            let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            if !needs_escape(word) {
                i += 8;
                continue;
            }
        }
        let escape: &str = match bytes[i] {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            b'\t' => "\\t",
            b'\n' => "\\n",
            0x0c => "\\f",
            b'\r' => "\\r",
            b @ 0..=0x1f => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str(&s[copied..i]);
                out.push_str("\\u00");
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 0xf) as usize] as char);
                i += 1;
                copied = i;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&s[copied..i]);
        out.push_str(escape);
        i += 1;
        copied = i;
    }
    out.push_str(&s[copied..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// careleaf: `to_json` gives serde_json's bytes, for strings with every
    /// ASCII character (alone and at every offset of an eight-byte word),
    /// non-ASCII text, and with and without filters, meta, anchors and titles.
    #[test]
    fn fragment_json_matches_serde_json() {
        let mut strings: Vec<String> = vec![String::new(), "plain".into()];
        for b in 0u8..0x80 {
            let c = b as char;
            strings.push(c.to_string());
            for offset in 0..17 {
                let pad = "x".repeat(offset);
                strings.push(format!("{pad}{c}{pad}é{c}{c}"));
            }
        }
        strings.extend(
            [
                "Café \u{7f} \u{80} \u{a0} \u{2028}\u{2029} 中文 😀 \"quoted\" back\\slash",
                "\u{0}\u{1}\u{1f}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{e}",
                "a long text without anything to escape in it, longer than a few words",
            ]
            .map(String::from),
        );
        let anchor = |i: usize, title: Option<String>| PageAnchorData {
            element: format!("h{i}"),
            id: strings[i % strings.len()].clone(),
            text: strings[(i * 7) % strings.len()].clone(),
            title,
            location: i as u32 * 1_000_003,
        };
        for (i, s) in strings.iter().enumerate() {
            let data = PageFragmentData {
                url: format!("/a/{s}/"),
                content: s.clone(),
                word_count: i * 12_345,
                filters: if i % 3 == 0 {
                    BTreeMap::new()
                } else {
                    BTreeMap::from([
                        (s.clone(), vec![s.clone(), "b".into()]),
                        ("z".into(), vec![]),
                    ])
                },
                meta: if i % 4 == 0 {
                    BTreeMap::new()
                } else {
                    BTreeMap::from([("title".into(), s.clone()), (s.clone(), "v".into())])
                },
                anchors: match i % 3 {
                    0 => vec![],
                    1 => vec![anchor(i, None)],
                    _ => vec![anchor(i, Some(s.clone())), anchor(i + 1, None)],
                },
            };
            assert_eq!(data.to_json(), serde_json::to_string(&data).unwrap(), "{s:?}");
        }
    }
}
