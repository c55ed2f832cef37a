//! Generates the jimbot.events.v1 types from ../../proto with prost-build (needs protoc:
//! $PROTOC, default `protoc` on PATH, e.g. Debian's protobuf-compiler). Nothing generated is
//! committed for Rust.

use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let files = ["envelope.proto", "ingest.proto", "commands.proto", "payloads.proto", "game.proto"]
        .map(|f| root.join("jimbot/events/v1").join(f));
    if std::env::var_os("PROTOC").is_none() {
        std::env::set_var("PROTOC", "protoc");
    }
    let mut includes = vec![root.clone()];
    // google/protobuf/struct.proto; prost maps the types themselves to prost-types.
    for dir in ["/usr/include", "/usr/local/include"] {
        if PathBuf::from(dir).join("google/protobuf/struct.proto").exists() {
            includes.push(PathBuf::from(dir));
        }
    }
    println!("cargo:rerun-if-changed={}", root.display());
    prost_build::Config::new()
        .compile_protos(&files, &includes)
        .expect("generate jimbot.events.v1 with prost-build");
}
