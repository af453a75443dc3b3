//! The embedded fonts: DejaVu Sans and DejaVu Sans Bold, cut to the Latin scripts (accents,
//! umlauts, ß, Central European letters) and a few symbols; shipped in `assets/fonts` with their
//! licence. Text is written as glyph ids (Identity-H) with a ToUnicode map, so the PDF's text is
//! searchable and copies as the original letters.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Chunk, Filter, Finish, Name, Rect, Ref, Str};
use ttf_parser::{Face, GlyphId};

pub const REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
pub const BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

pub struct Font {
    face: Face<'static>,
    data: &'static [u8],
    postscript_name: &'static str,
    /// Glyph of `?`, drawn for a character the font does not have.
    fallback: GlyphId,
    units: f32,
}

impl Font {
    /// `None` only if the shipped font file were broken (a test checks it is not).
    pub fn load(data: &'static [u8], postscript_name: &'static str) -> Option<Font> {
        let face = Face::parse(data, 0).ok()?;
        let fallback = face.glyph_index('?')?;
        let units = f32::from(face.units_per_em());
        Some(Font {
            face,
            data,
            postscript_name,
            fallback,
            units,
        })
    }

    fn glyph(&self, ch: char) -> GlyphId {
        self.face.glyph_index(ch).unwrap_or(self.fallback)
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = text
            .chars()
            .map(|c| f32::from(self.face.glyph_hor_advance(self.glyph(c)).unwrap_or(0)))
            .sum();
        units / self.units * size
    }

    /// `text` as two-byte glyph ids for a `Tj` with the Identity-H encoding. Control characters
    /// are dropped.
    pub fn encode(&self, text: &str) -> Vec<u8> {
        text.chars()
            .filter(|c| !c.is_control())
            .flat_map(|c| self.glyph(c).0.to_be_bytes())
            .collect()
    }

    /// `text` cut to `max` points wide, with an ellipsis when cut.
    pub fn fit(&self, text: &str, size: f32, max: f32) -> String {
        let text: String = text.chars().filter(|c| !c.is_control()).collect();
        if self.width(&text, size) <= max {
            return text;
        }
        let mut out = String::new();
        for c in text.chars() {
            out.push(c);
            if self.width(&out, size) + self.width("…", size) > max {
                out.pop();
                break;
            }
        }
        out.push('…');
        out
    }

    /// Writes the font as a Type 0 font with `id` and the next four ids.
    pub fn write(&self, chunk: &mut Chunk, id: Ref) {
        let (cid, descriptor, file, cmap) = (
            Ref::new(id.get() + 1),
            Ref::new(id.get() + 2),
            Ref::new(id.get() + 3),
            Ref::new(id.get() + 4),
        );
        let name = Name(self.postscript_name.as_bytes());
        let scale = |v: i16| f32::from(v) * 1000.0 / self.units;
        chunk
            .type0_font(id)
            .base_font(name)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);
        let info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        let mut cid_font = chunk.cid_font(cid);
        cid_font
            .subtype(CidFontType::Type2)
            .base_font(name)
            .system_info(info)
            .font_descriptor(descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        let widths: Vec<f32> = (0..self.face.number_of_glyphs())
            .map(|g| {
                f32::from(self.face.glyph_hor_advance(GlyphId(g)).unwrap_or(0)) * 1000.0
                    / self.units
            })
            .collect();
        cid_font.widths().consecutive(0, widths);
        cid_font.finish();

        let bbox = self.face.global_bounding_box();
        chunk
            .font_descriptor(descriptor)
            .name(name)
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(
                scale(bbox.x_min),
                scale(bbox.y_min),
                scale(bbox.x_max),
                scale(bbox.y_max),
            ))
            .italic_angle(0.0)
            .ascent(scale(self.face.ascender()))
            .descent(scale(self.face.descender()))
            .cap_height(scale(
                self.face.capital_height().unwrap_or(self.face.ascender()),
            ))
            .stem_v(80.0)
            .font_file2(file);
        let packed = super::deflate(self.data);
        chunk
            .stream(file, &packed)
            .filter(Filter::FlateDecode)
            .pair(
                Name(b"Length1"),
                i32::try_from(self.data.len()).unwrap_or(i32::MAX),
            );

        let mut map = UnicodeCmap::new(Name(b"Custom"), info);
        if let Some(table) = self.face.tables().cmap {
            let mut seen = std::collections::BTreeMap::new();
            for sub in table.subtables.into_iter().filter(|s| s.is_unicode()) {
                sub.codepoints(|cp| {
                    if let (Some(c), Some(g)) = (char::from_u32(cp), sub.glyph_index(cp)) {
                        seen.entry(g.0).or_insert(c);
                    }
                });
            }
            for (g, c) in seen {
                map.pair(g, c);
            }
        }
        chunk.cmap(cmap, &map.finish());
    }
}
