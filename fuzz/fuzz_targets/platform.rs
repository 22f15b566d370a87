//! Fuzzes platform files: arbitrary bytes as a platform file, then (when it loads) the bundled
//! example loaded with each environment's overrides.
#![no_main]

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use stave::document::read;
use stave::platform::Platform;
use stave::source::Sources;
use stave::score::{self, Input, LoadOptions};

fuzz_target!(|data: &[u8]| {
    let mut sources = Sources::new();
    let Ok(source) = read::decode(data.to_vec(), "stave.yaml", Path::new("."), &mut sources) else { return };
    let Ok((platform, _)) = Platform::from_source(source, PathBuf::from("."), &sources) else { return };
    let input = [Input::Text { name: "shop.yaml".into(), bytes: stave::examples::EXAMPLE_WORKLOAD.into() }];
    for environment in platform.environments.values() {
        let options = LoadOptions { platform_overrides: environment.overrides.clone(), ..LoadOptions::default() };
        let _ = score::load(&input, &options, &mut sources);
    }
});
