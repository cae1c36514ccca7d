//! The case wsprobe runs itself: the probe before a run and the liveness
//! check after each case. It is built here, with the case model, so the
//! runner and the run scheduler both take it from below.

use super::{
    Case, Class, CloseExpect, CloseStep, Closer, End, ExpectStep, Grade, Item, Level, MessageStep,
    Opcode, Outcome, Payload, Step,
};

/// The built-in liveness check: a handshake and, on an echo server, an echo.
pub fn liveness(echo: bool) -> Case {
    let text = Payload::Text("wsprobe liveness probe".into());
    let mut steps = Vec::new();
    let mut receive = Vec::new();
    if echo {
        steps.push(Step::SendMessage(MessageStep {
            opcode: Opcode(1),
            payload: text.clone(),
            fragments: Vec::new(),
            fragment_size: None,
            empty_final: false,
            compress: false,
            rsv: 0,
            delivery: Default::default(),
        }));
        steps.push(Step::Expect(ExpectStep {
            messages: 1,
            ..Default::default()
        }));
        receive.push(Item::Text(text));
    }
    steps.push(Step::Close(CloseStep {
        code: Some(1000),
        ..Default::default()
    }));
    Case {
        id: "wsprobe/liveness".into(),
        title: "liveness probe".into(),
        autobahn: None,
        rfc: vec!["4".into()],
        requirement: "the server keeps accepting connections".into(),
        level: Level::Must,
        class: Class::MustAccept,
        tags: Vec::new(),
        needs: Vec::new(),
        notes: None,
        severity: None,
        server_memory: None,
        steps,
        expect: vec![Outcome {
            grade: Grade::Pass,
            receive,
            end: End::Open,
            handshake: None,
            close_codes: Vec::new(),
            note: None,
        }],
        close: Some(CloseExpect {
            by: Closer::Client,
            codes: vec![1000],
            drop_ok: true,
            other_codes: Grade::Informational,
            other_codes_note: None,
            informational: false,
        }),
        timeout: None,
        role: Default::default(),
        tls: None,
        source: Default::default(),
    }
}
