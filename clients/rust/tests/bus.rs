//! Decodes events read from a running bus ($JIMBOT_URL); skipped (passes) when it is unset.
//! Fixtures from $JIMBOT_FIXTURES, default ../../tests/testdata/balatromcp.

use jimbot_bus_client::{pb, post_batch, post_batch_json, read_envelope, read_envelopes};
use std::path::PathBuf;

fn bus() -> Option<String> {
    let url = std::env::var("JIMBOT_URL").ok();
    if url.is_none() {
        eprintln!("JIMBOT_URL unset: skipping");
    }
    url
}

fn fixture(name: &str) -> Vec<u8> {
    let dir = std::env::var("JIMBOT_FIXTURES").map(PathBuf::from).unwrap_or_else(|_| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/testdata/balatromcp")
    });
    std::fs::read(dir.join(name)).expect("read fixture")
}

fn stored(url: &str, event_id: &str) -> pb::Envelope {
    let mut found: Vec<pb::Envelope> = read_envelopes(url, 0, 100_000)
        .expect("read events")
        .into_iter()
        .filter(|e| e.event_id == event_id)
        .collect();
    assert_eq!(found.len(), 1, "one stored event {event_id}");
    found.remove(0)
}

#[test]
fn game_state_decodes_typed() {
    let url = match bus() {
        Some(url) => url,
        None => return,
    };
    post_batch_json(&url, &fixture("game_state_initial.json")).expect("post");
    let envelope = stored(&url, "e8447d36-0dd0-4e99-b194-a01af75dcf59");
    assert_eq!(envelope.r#type, "GAME_STATE");
    assert_eq!(envelope.topic, "game.state.update");
    let state = match envelope.payload {
        Some(pb::envelope::Payload::GameState(state)) => state,
        other => panic!("expected a typed GAME_STATE payload, got {other:?}"),
    };
    assert_eq!(state.game_id.as_deref(), Some("7NQH2KTB"));
    assert_eq!((state.ante, state.round, state.money), (Some(2), Some(5), Some(9.0)));
    assert_eq!(state.hand.len(), 8);
    assert_eq!(state.deck.as_ref().map(|d| d.full_deck.len()), Some(52));
    assert_eq!(state.jokers.len(), 2);
    assert_eq!(state.jokers[0].id, Some(pb::joker::Id::IdNumber(0.99843946956934)));
    assert_eq!(state.blind.as_ref().and_then(|b| b.mult), Some(1.5));
    assert_eq!(state.score_history.get("hand").and_then(|h| h.amt), Some(844.0));
    let extras = envelope.extras.expect("extras");
    assert!(extras.fields.contains_key("initial"));
    assert!(extras.fields.contains_key("changes"));
}

#[test]
fn scoring_events_decode_typed() {
    let url = match bus() {
        Some(url) => url,
        None => return,
    };
    post_batch_json(&url, &fixture("scoring_sequence.json")).expect("post");
    let envelope = stored(&url, "40070add-126f-4b41-bf60-7954e3dbf827");
    let trigger = match envelope.payload {
        Some(pb::envelope::Payload::JokerTrigger(trigger)) => trigger,
        other => panic!("expected JOKER_TRIGGER, got {other:?}"),
    };
    assert_eq!(
        trigger.context_type,
        Some(pb::joker_trigger_payload::ContextType::ContextTypeBool(true))
    );
    let start = stored(&url, "83fb0453-1ea7-4207-9ce7-5206feee9458");
    assert_eq!(start.subtype.as_deref(), Some("HAND_EVAL_START"));
    assert!(matches!(start.payload, Some(pb::envelope::Payload::ScoringHandEvalStart(_))));
}

#[test]
fn protobuf_batch_round_trips() {
    let url = match bus() {
        Some(url) => url,
        None => return,
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let event_id = format!("rust-{nanos}");
    let batch = pb::EventBatch {
        batch_id: Some(format!("rust-batch-{nanos}")),
        source: Some("jimbot-rust".into()),
        events: vec![pb::Event {
            event_id: Some(event_id.clone()),
            r#type: Some("MONEY_CHANGED".into()),
            source: Some("jimbot-rust".into()),
            timestamp: Some(prost_types::Value {
                kind: Some(prost_types::value::Kind::NumberValue(12584.544404859)),
            }),
            payload: Some(pb::event::Payload::MoneyChanged(pb::MoneyChangedPayload {
                old_value: Some(9.0),
                new_value: Some(12.0),
                difference: Some(3.0),
                unmapped: None,
            })),
            ..Default::default()
        }],
        ..Default::default()
    };
    let answer = post_batch(&url, &batch).expect("post protobuf batch");
    assert_eq!(answer.status, "ok");
    assert_eq!(answer.accepted, Some(1));
    let envelope = read_envelope(&url, answer.offsets[0]).expect("read back");
    assert_eq!(envelope.event_id, event_id);
    assert_eq!(envelope.topic, "game.money.changed");
    let money = match envelope.payload {
        Some(pb::envelope::Payload::MoneyChanged(money)) => money,
        other => panic!("expected MONEY_CHANGED, got {other:?}"),
    };
    assert_eq!(money.new_value, Some(12.0));
}
