//! Prints one digest line per stored event of the bus at $JIMBOT_URL (see `digest`), for the
//! cross-language check: `cargo run --bin jimbot-digest`.

fn main() {
    let url = std::env::var("JIMBOT_URL").expect("set JIMBOT_URL, e.g. http://127.0.0.1:8080");
    let envelopes = jimbot_bus_client::read_envelopes(&url, 0, 100_000).unwrap_or_else(|e| {
        eprintln!("jimbot-digest: {e}");
        std::process::exit(1);
    });
    for envelope in &envelopes {
        println!("{}", jimbot_bus_client::digest(envelope));
    }
}
