//! Pages: A4, 18 mm margins, content placed top to bottom, then drawn with krilla once the
//! page count is known, so every footer can say "Page N of M".

use super::text::{self, Line, Weight};
use crate::{ExportError, Result};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use terrain_domain::Lang;

pub const WIDTH: f32 = 595.28;
pub const HEIGHT: f32 = 841.89;
/// 18 mm.
pub const MARGIN: f32 = 51.0;
pub const CONTENT_WIDTH: f32 = WIDTH - 2.0 * MARGIN;
/// The content ends here; the footer sits below.
const BOTTOM: f32 = HEIGHT - MARGIN - 14.0;
const FOOTER_SIZE: f32 = 7.5;

pub const BLACK: (u8, u8, u8) = (0, 0, 0);
pub const GREY: (u8, u8, u8) = (95, 99, 104);
pub const INK: (u8, u8, u8) = (24, 52, 84);
pub const RULE: (u8, u8, u8) = (190, 194, 200);
pub const SHADE: (u8, u8, u8) = (232, 236, 241);

/// Distance between baselines for text of `size` points: room for Arabic's tall letters.
pub fn leading(size: f32) -> f32 {
    size * 1.45
}

enum Mark {
    Text {
        x: f32,
        baseline: f32,
        line: Line,
        colour: (u8, u8, u8),
    },
    Rule {
        x: f32,
        y: f32,
        width: f32,
        thickness: f32,
        colour: (u8, u8, u8),
    },
    Shade {
        rect: Rect,
        colour: (u8, u8, u8),
    },
    Image {
        image: Image,
        x: f32,
        y: f32,
        width: f32,
        height: f32,
    },
}

/// Pages being filled, top to bottom.
pub struct Pages {
    pages: Vec<Vec<Mark>>,
    /// Where the next thing goes on the current page, from the top edge.
    pub y: f32,
    /// The language every word of the document is in.
    pub lang: Lang,
}

impl Pages {
    pub fn new(lang: Lang) -> Pages {
        Pages {
            pages: vec![Vec::new()],
            y: MARGIN,
            lang,
        }
    }

    /// The catalogue's text for `code` in the document's language.
    pub fn say(&self, code: &str) -> String {
        super::say(self.lang, code, &[])
    }

    /// Room left on the current page, in points.
    pub fn room(&self) -> f32 {
        BOTTOM - self.y
    }

    pub fn count(&self) -> usize {
        self.pages.len()
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
    }

    /// Starts a new page unless `height` fits on this one (or this one is still empty).
    pub fn ensure(&mut self, height: f32) {
        if height > self.room() && self.y > MARGIN {
            self.new_page();
        }
    }

    fn push(&mut self, mark: Mark) {
        self.pages.last_mut().expect("a page").push(mark);
    }

    /// Places lines already broken at `x`, from `top`, without moving `y`; returns their
    /// height. Right-to-left paragraphs are aligned to the right edge of `width`.
    pub fn place(
        &mut self,
        lines: Vec<Line>,
        x: f32,
        top: f32,
        width: f32,
        colour: (u8, u8, u8),
    ) -> f32 {
        let mut y = top;
        for line in lines {
            let step = leading(line.size);
            let left = if line.rtl { x + width - line.width } else { x };
            let baseline = y + line.size * 1.1;
            self.push(Mark::Text {
                x: left,
                baseline,
                line,
                colour,
            });
            y += step;
        }
        y - top
    }

    /// Writes `text` as a paragraph at `x`, `width` wide, continuing on the next page if it
    /// does not fit, and moves `y` below it.
    pub fn paragraph(
        &mut self,
        text: &str,
        weight: Weight,
        size: f32,
        x: f32,
        width: f32,
        colour: (u8, u8, u8),
    ) {
        for line in text::lines(text, weight, size, width) {
            self.ensure(leading(size));
            let y = self.y;
            self.y += self.place(vec![line], x, y, width, colour);
        }
    }

    pub fn rule(&mut self, x: f32, y: f32, width: f32, thickness: f32, colour: (u8, u8, u8)) {
        self.push(Mark::Rule {
            x,
            y,
            width,
            thickness,
            colour,
        });
    }

    pub fn shade(&mut self, x: f32, y: f32, width: f32, height: f32, colour: (u8, u8, u8)) {
        if let Some(rect) = Rect::from_xywh(x, y, width, height) {
            self.push(Mark::Shade { rect, colour });
        }
    }

    pub fn image(&mut self, image: Image, x: f32, y: f32, width: f32, height: f32) {
        self.push(Mark::Image {
            image,
            x,
            y,
            width,
            height,
        });
    }

    /// Draws every page with its footer: `footer` on the left, "Page N of M" on the right.
    pub fn finish(self, footer: &str, metadata: Metadata) -> Result<Vec<u8>> {
        let total = self.pages.len();
        let mut document = Document::new();
        document.set_metadata(metadata);
        for (n, marks) in self.pages.into_iter().enumerate() {
            let settings = PageSettings::from_wh(WIDTH, HEIGHT).expect("A4 is a valid size");
            let mut page = document.start_page_with(settings);
            let mut surface = page.surface();
            for mark in marks {
                draw(&mut surface, mark);
            }
            let baseline = HEIGHT - MARGIN + FOOTER_SIZE;
            let number = super::say(
                self.lang,
                "pdf.page",
                &[("n", (n + 1).to_string()), ("total", total.to_string())],
            );
            let right = text::lines(&number, Weight::Regular, FOOTER_SIZE, CONTENT_WIDTH);
            let left = text::lines(footer, Weight::Regular, FOOTER_SIZE, CONTENT_WIDTH * 0.8);
            rule_on(
                &mut surface,
                MARGIN,
                HEIGHT - MARGIN - 4.0,
                CONTENT_WIDTH,
                0.5,
                RULE,
            );
            if let Some(line) = left.into_iter().next() {
                text_on(&mut surface, MARGIN, baseline, line, GREY);
            }
            for line in right {
                let x = WIDTH - MARGIN - line.width;
                text_on(&mut surface, x, baseline, line, GREY);
            }
            surface.finish();
            page.finish();
        }
        document
            .finish()
            .map_err(|e| ExportError::Pdf(format!("{e:?}")))
    }
}

fn fill(colour: (u8, u8, u8)) -> Fill {
    Fill {
        paint: rgb::Color::new(colour.0, colour.1, colour.2).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn text_on(surface: &mut Surface, x: f32, baseline: f32, line: Line, colour: (u8, u8, u8)) {
    surface.set_fill(Some(fill(colour)));
    for piece in line.pieces {
        surface.draw_glyphs(
            Point::from_xy(x + piece.x, baseline),
            &piece.glyphs,
            piece.font,
            &piece.text,
            line.size,
            false,
        );
    }
}

fn rule_on(
    surface: &mut Surface,
    x: f32,
    y: f32,
    width: f32,
    thickness: f32,
    colour: (u8, u8, u8),
) {
    let mut path = PathBuilder::new();
    path.move_to(x, y);
    path.line_to(x + width, y);
    if let Some(path) = path.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke {
            paint: rgb::Color::new(colour.0, colour.1, colour.2).into(),
            width: thickness,
            ..Stroke::default()
        }));
        surface.draw_path(&path);
        surface.set_stroke(None);
    }
}

fn draw(surface: &mut Surface, mark: Mark) {
    match mark {
        Mark::Text {
            x,
            baseline,
            line,
            colour,
        } => text_on(surface, x, baseline, line, colour),
        Mark::Rule {
            x,
            y,
            width,
            thickness,
            colour,
        } => rule_on(surface, x, y, width, thickness, colour),
        Mark::Shade { rect, colour } => {
            let mut path = PathBuilder::new();
            path.push_rect(rect);
            if let Some(path) = path.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(fill(colour)));
                surface.draw_path(&path);
            }
        }
        Mark::Image {
            image,
            x,
            y,
            width,
            height,
        } => {
            if let Some(size) = Size::from_wh(width, height) {
                surface.push_transform(&Transform::from_translate(x, y));
                surface.draw_image(image, size);
                surface.pop();
            }
        }
    }
}
