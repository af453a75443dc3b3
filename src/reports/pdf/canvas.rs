//! Pages as drawing operations, measured from the top-left corner in points (A4 portrait).

use super::font::Font;
use pdf_writer::{Content, Name, Str};

pub const WIDTH: f32 = 595.0;
pub const HEIGHT: f32 = 842.0;
pub const MARGIN: f32 = 42.0;
/// Lowest baseline of body content; the footer sits below it.
pub const BOTTOM: f32 = HEIGHT - 56.0;

pub type Rgb = (u8, u8, u8);
pub const BLACK: Rgb = (0x11, 0x18, 0x27);
pub const GREY: Rgb = (0x4b, 0x55, 0x63);
pub const LINE: Rgb = (0xd1, 0xd5, 0xdb);
pub const SHADE: Rgb = (0xf3, 0xf4, 0xf6);

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

pub struct Fonts {
    pub regular: Font,
    pub bold: Font,
}

impl Fonts {
    pub fn get(&self, w: Weight) -> &Font {
        match w {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }
}

/// The pages drawn so far and the cursor (`y`, from the top) on the last one.
pub struct Canvas<'f> {
    pub fonts: &'f Fonts,
    pub pages: Vec<Content>,
    pub y: f32,
    /// The page drawn on: the last one, unless [`Canvas::select`] chose another.
    current: usize,
}

fn rgb(c: Rgb) -> (f32, f32, f32) {
    (
        f32::from(c.0) / 255.0,
        f32::from(c.1) / 255.0,
        f32::from(c.2) / 255.0,
    )
}

impl<'f> Canvas<'f> {
    pub fn new(fonts: &'f Fonts) -> Canvas<'f> {
        Canvas {
            fonts,
            pages: Vec::new(),
            y: MARGIN,
            current: 0,
        }
    }

    pub fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.current = self.pages.len() - 1;
        self.y = MARGIN;
    }

    /// Draws on page `index` (0-based) from now on, e.g. to add footers at the end.
    pub fn select(&mut self, index: usize) {
        self.current = index.min(self.pages.len().saturating_sub(1));
    }

    /// Starts a new page unless `needed` more points fit on this one.
    pub fn ensure(&mut self, needed: f32) -> bool {
        if self.pages.is_empty() || self.y + needed > BOTTOM {
            self.new_page();
            true
        } else {
            false
        }
    }

    fn page(&mut self) -> &mut Content {
        if self.pages.is_empty() {
            self.new_page();
        }
        let index = self.current.min(self.pages.len() - 1);
        &mut self.pages[index]
    }

    /// Text with its baseline at `y` (from the top), starting at `x`.
    pub fn text(&mut self, x: f32, y: f32, size: f32, weight: Weight, colour: Rgb, text: &str) {
        let bytes = self.fonts.get(weight).encode(text);
        let name = match weight {
            Weight::Regular => Name(b"F1"),
            Weight::Bold => Name(b"F2"),
        };
        let (r, g, b) = rgb(colour);
        let page = self.page();
        page.set_fill_rgb(r, g, b);
        page.begin_text();
        page.set_font(name, size);
        page.set_text_matrix([1.0, 0.0, 0.0, 1.0, x, HEIGHT - y]);
        page.show(Str(&bytes));
        page.end_text();
    }

    /// Text ending at `right`.
    pub fn text_right(
        &mut self,
        right: f32,
        y: f32,
        size: f32,
        weight: Weight,
        colour: Rgb,
        text: &str,
    ) {
        let w = self.fonts.get(weight).width(text, size);
        self.text(right - w, y, size, weight, colour, text);
    }

    /// `text` cut to `max` points wide in `weight` at `size`.
    pub fn fit(&self, text: &str, size: f32, weight: Weight, max: f32) -> String {
        self.fonts.get(weight).fit(text, size, max)
    }

    /// A filled rectangle whose top-left corner is (`x`, `y`).
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, colour: Rgb) {
        let (r, g, b) = rgb(colour);
        let page = self.page();
        page.set_fill_rgb(r, g, b);
        page.rect(x, HEIGHT - y - h, w, h);
        page.fill_nonzero();
    }

    pub fn hline(&mut self, x1: f32, x2: f32, y: f32, width: f32, colour: Rgb) {
        let (r, g, b) = rgb(colour);
        let page = self.page();
        page.set_stroke_rgb(r, g, b);
        page.set_line_width(width);
        page.move_to(x1, HEIGHT - y);
        page.line_to(x2, HEIGHT - y);
        page.stroke();
    }

    /// Paragraph text wrapped at word boundaries to `max` points; moves the cursor below it.
    pub fn paragraph(
        &mut self,
        x: f32,
        size: f32,
        weight: Weight,
        colour: Rgb,
        text: &str,
        max: f32,
    ) {
        let leading = size * 1.4;
        for line in wrap(self.fonts.get(weight), text, size, max) {
            self.ensure(leading);
            self.y += leading;
            self.text(x, self.y, size, weight, colour, &line);
        }
    }
}

/// Greedy word wrap; a word longer than a line is cut.
pub fn wrap(font: &Font, text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if font.width(&candidate, size) <= max || line.is_empty() {
            line = if font.width(&candidate, size) <= max {
                candidate
            } else {
                font.fit(word, size, max)
            };
        } else {
            lines.push(std::mem::take(&mut line));
            line = font.fit(word, size, max);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
