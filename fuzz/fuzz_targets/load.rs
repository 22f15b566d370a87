//! Fuzzes the whole loader: arbitrary bytes as a workload file, with and without overrides.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stave::source::Sources;
use stave::score::{self, ImageChoice, Input, LoadOptions};

fuzz_target!(|data: &[u8]| {
    // The first line, when it looks like one, doubles as an override property.
    let override_property = data
        .split(|&b| b == b'\n')
        .next()
        .and_then(|line| std::str::from_utf8(line).ok())
        .filter(|line| line.contains('='))
        .map(str::to_string);
    let mut options = LoadOptions { images: vec![ImageChoice::parse("fuzz/image:1")], ..LoadOptions::default() };
    let mut sources = Sources::new();
    let input = [Input::Text { name: "fuzz.yaml".into(), bytes: data.to_vec() }];
    let _ = score::load(&input, &options, &mut sources);
    if let Some(property) = override_property {
        options.override_properties.push(property);
        let mut sources = Sources::new();
        let _ = score::load(&input, &options, &mut sources);
    }
});
