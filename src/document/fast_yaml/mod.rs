//! Fast paths for the YAML Stave reads and writes most: a reader for what object templates
//! render, and a writer for emitted objects, each byte for byte what serde-saphyr reads or
//! writes, and each giving `None` where its subset ends (the caller then uses serde-saphyr).

pub mod read;
pub mod write;
