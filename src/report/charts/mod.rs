//! Charts, one file each, all styled by `style` and saved as PNG and SVG.

pub mod style;

pub use style::{Figure, save};
