//! `include/scramjet.h` must be what cbindgen makes of `src/ffi/` today. To update it:
//! `SCRAMJET_BLESS=1 cargo test -p scramjet-client --test header`.

use std::path::Path;

#[test]
fn header_is_up_to_date() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen reads src/ffi/")
        .write(&mut generated);
    let path = crate_dir.join("include/scramjet.h");
    if std::env::var_os("SCRAMJET_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write the header");
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/scramjet.h is out of date with src/ffi/; run: SCRAMJET_BLESS=1 cargo test -p scramjet-client --test header"
    );
}
