//! Fuzzes overrides: arbitrary lines as `--override-property` values and the rest as an
//! overrides file, applied to the bundled example workload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stave::source::Sources;
use stave::score::{self, Input, LoadOptions};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (properties, file) = text.split_once("\n---\n").unwrap_or((&text, ""));
    let dir = std::env::temp_dir().join(format!("stave-fuzz-overrides-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let overrides = dir.join("overrides.yaml");
    let overrides_file = (!file.is_empty() && std::fs::write(&overrides, file).is_ok()).then_some(overrides);
    let options = LoadOptions {
        override_properties: properties.lines().filter(|l| !l.is_empty()).map(str::to_string).collect(),
        overrides_file,
        ..LoadOptions::default()
    };
    let input = [Input::Text { name: "shop.yaml".into(), bytes: stave::examples::EXAMPLE_WORKLOAD.into() }];
    let mut sources = Sources::new();
    let _ = score::load(&input, &options, &mut sources);
});
