//! XML sources, streamed: every element named like the item (`<item>` by default, any depth)
//! becomes one record. Child elements become fields under their local name (the namespace
//! prefix is dropped: `<g:price>` is `.price`), repeated children become lists, attributes are
//! `@name`, the text of an element with children is `#text`. Empty elements are left out.

use std::io::{BufReader, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde_json::{Map, Value};

/// The items of an XML document, read one at a time.
pub struct XmlItems {
    reader: Reader<BufReader<Box<dyn Read + Send>>>,
    item: String,
    buf: Vec<u8>,
    done: bool,
}

fn local(name: &str) -> String {
    name.rsplit(':').next().unwrap_or(name).to_string()
}

fn insert(map: &mut Map<String, Value>, key: String, v: Value) {
    match map.get_mut(&key) {
        None => {
            map.insert(key, v);
        }
        Some(Value::Array(items)) => items.push(v),
        Some(existing) => {
            let first = std::mem::take(existing);
            *existing = Value::Array(vec![first, v]);
        }
    }
}

fn attributes(start: &BytesStart, map: &mut Map<String, Value>) -> Result<(), String> {
    for a in start.attributes() {
        let a = a.map_err(|e| format!("bad attribute: {e}"))?;
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| format!("bad attribute value: {e}"))?;
        map.insert(
            format!("@{}", local(a.key.as_ref())),
            Value::String(value.into_owned()),
        );
    }
    Ok(())
}

impl XmlItems {
    /// Reads the elements named `item` (local name) of a document.
    pub fn new(input: Box<dyn Read + Send>, item: &str) -> XmlItems {
        let reader = Reader::from_reader(BufReader::with_capacity(1 << 20, input));
        XmlItems {
            reader,
            item: local(item),
            buf: Vec::new(),
            done: false,
        }
    }

    fn position(&self) -> String {
        format!("byte {}", self.reader.buffer_position())
    }

    /// The next item, or None at the end of the document. An error is fatal: XML cannot be
    /// resynchronised after a syntax error.
    pub fn next_item(&mut self) -> Option<Result<Value, String>> {
        if self.done {
            return None;
        }
        loop {
            self.buf.clear();
            let ev = match self.reader.read_event_into(&mut self.buf) {
                Ok(ev) => ev.into_owned(),
                Err(e) => {
                    self.done = true;
                    return Some(Err(format!("malformed XML at {}: {e}", self.position())));
                }
            };
            match ev {
                Event::Start(s) if local(s.name().as_ref()) == self.item => {
                    return Some(self.element(&s).inspect_err(|_| self.done = true));
                }
                Event::Empty(s) if local(s.name().as_ref()) == self.item => {
                    let mut m = Map::new();
                    return Some(attributes(&s, &mut m).map(|()| Value::Object(m)));
                }
                Event::Eof => {
                    self.done = true;
                    return None;
                }
                _ => {}
            }
        }
    }

    /// Reads an element's content up to its end tag.
    fn element(&mut self, start: &BytesStart) -> Result<Value, String> {
        let mut map = Map::new();
        attributes(start, &mut map)?;
        let mut text = String::new();
        loop {
            self.buf.clear();
            let ev = match self.reader.read_event_into(&mut self.buf) {
                Ok(ev) => ev.into_owned(),
                Err(e) => return Err(format!("malformed XML at {}: {e}", self.position())),
            };
            match ev {
                Event::Start(s) => {
                    let name = local(s.name().as_ref());
                    let v = self.element(&s)?;
                    if !v.is_null() {
                        insert(&mut map, name, v);
                    }
                }
                Event::Empty(s) => {
                    let mut m = Map::new();
                    attributes(&s, &mut m)?;
                    if !m.is_empty() {
                        insert(&mut map, local(s.name().as_ref()), Value::Object(m));
                    }
                }
                Event::Text(t) => text.push_str(&t.xml10_content()),
                Event::CData(c) => text.push_str(&c.into_inner()),
                Event::GeneralRef(r) => {
                    if r.is_char_ref() {
                        match r.resolve_char_ref() {
                            Ok(Some(c)) => text.push(c),
                            _ => {
                                return Err(format!(
                                    "bad character reference &{}; at {}",
                                    &*r,
                                    self.position()
                                ));
                            }
                        }
                    } else {
                        match quick_xml::escape::resolve_xml_entity(&r) {
                            Some(s) => text.push_str(s),
                            // an HTML entity: kept as written (strip_html decodes it)
                            None => {
                                text.push('&');
                                text.push_str(&r);
                                text.push(';');
                            }
                        }
                    }
                }
                Event::End(_) => break,
                Event::Eof => {
                    return Err(format!(
                        "the file ends inside <{}>",
                        local(start.name().as_ref())
                    ));
                }
                _ => {}
            }
        }
        let trimmed = text.trim();
        if map.is_empty() {
            return Ok(if trimmed.is_empty() {
                Value::Null
            } else {
                Value::String(trimmed.to_string())
            });
        }
        if !trimmed.is_empty() {
            map.insert("#text".into(), Value::String(trimmed.to_string()));
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn items(xml: &str, item: &str) -> Vec<Result<Value, String>> {
        let mut r = XmlItems::new(
            Box::new(std::io::Cursor::new(xml.as_bytes().to_vec())),
            item,
        );
        std::iter::from_fn(|| r.next_item()).collect()
    }

    #[test]
    fn google_shopping_items() {
        let xml = r#"<?xml version="1.0"?><rss xmlns:g="http://base.google.com/ns/1.0"><channel><title>Shop</title>
<item><g:id>A@S</g:id><g:title>Felpa &amp; co</g:title><g:description>&lt;p&gt;x&lt;/p&gt;</g:description>
<g:additional_image_link>/1.jpg</g:additional_image_link><g:additional_image_link>/2.jpg</g:additional_image_link>
<g:size/><g:price>49.90 EUR</g:price></item>
<item><g:id><![CDATA[B]]></g:id></item></channel></rss>"#;
        let got: Vec<Value> = items(xml, "item")
            .into_iter()
            .map(|r| r.unwrap_or_else(|e| panic!("{e}")))
            .collect();
        assert_eq!(
            got,
            vec![
                json!({"id": "A@S", "title": "Felpa & co", "description": "<p>x</p>", "additional_image_link": ["/1.jpg", "/2.jpg"], "price": "49.90 EUR"}),
                json!({"id": "B"})
            ]
        );
    }

    #[test]
    fn custom_item_names_attributes_and_nesting() {
        let xml = r#"<articoli><articolo codice="A1"><nome>Uno</nome><prezzi><listino>10,00</listino></prezzi></articolo><articolo codice="A2"/></articoli>"#;
        let got: Vec<Value> = items(xml, "articolo")
            .into_iter()
            .map(|r| r.unwrap_or_default())
            .collect();
        assert_eq!(
            got,
            vec![
                json!({"@codice": "A1", "nome": "Uno", "prezzi": {"listino": "10,00"}}),
                json!({"@codice": "A2"})
            ]
        );
    }

    #[test]
    fn malformed_xml_is_an_error_with_a_position() {
        let got = items("<r><item><a>1</b></item></r>", "item");
        assert!(
            got.last().is_some_and(|r| r
                .as_ref()
                .is_err_and(|e| e.contains("malformed XML at byte"))),
            "{got:?}"
        );
    }
}
