// Two-phase commit participant, in the artifact's role-file layout (see
// coordinator.rs). It votes "no" on payloads divisible by 7.
use hydroflow::util::cli::{launch_flow, ServerOrBound};
use hydroflow_datalog::datalog;
use std::collections::HashMap;

pub async fn run(cfg: ParticipantArgs, mut ports: HashMap<String, ServerOrBound>) {
    let vote_req_source = receive_port(&mut ports, "receive_from$coordinators$0").await;
    let commit_source = receive_port(&mut ports, "receive_from$coordinators$1").await;
    let abort_source = receive_port(&mut ports, "receive_from$coordinators$2").await;
    let (vote_sink, peers) = send_port(&mut ports, "send_to$coordinators$0").await;
    let (ack_sink, _) = send_port(&mut ports, "send_to$coordinators$1").await;
    let my_id = cfg.index.unwrap();

    let df = datalog!(
        r#"
.input myID `repeat_iter([(my_id,),])`
.input coordinator `repeat_iter(peers.clone()) -> map(|p| (p,))`

.async voteReq `null::<(u32,i64,i64,)>()` `source_stream(vote_req_source) -> map(|x| deserialize_from_bytes::<(u32,i64,i64,)>(x.unwrap().1).unwrap())`
.async commit `null::<(u32,i64,)>()` `source_stream(commit_source) -> map(|x| deserialize_from_bytes::<(u32,i64,)>(x.unwrap().1).unwrap())`
.async abort `null::<(u32,i64,)>()` `source_stream(abort_source) -> map(|x| deserialize_from_bytes::<(u32,i64,)>(x.unwrap().1).unwrap())`
.async vote `map(|(to, v)| (to, serialize_to_bytes(v))) -> dest_sink(vote_sink)` `null::<(u32,u32,i64,String,)>()`
.async ack `map(|(to, v)| (to, serialize_to_bytes(v))) -> dest_sink(ack_sink)` `null::<(u32,u32,i64,)>()`

.output logVote `for_each(|v| println!("vote {:?}", v))`

# Vote: log the decision, then (next tick, flushed) send it.
decision(client, id, "yes") :- voteReq(client, id, payload), (payload % 7 != 0)
decision(client, id, "no") :- voteReq(client, id, payload), (payload % 7 == 0)
logVote(client, id, d) :- decision(client, id, d)
voted(client, id, d) :+ decision(client, id, d)
voted(client, id, d) :+ voted(client, id, d)
voteFlushed(client, id, d) :+ decision(client, id, d)
vote@c(i, client, id, d) :~ voteFlushed(client, id, d), coordinator(c), myID(i)

# Commit: log, then (next tick, flushed) acknowledge.
committedHere(client, id) :+ commit(client, id)
committedHere(client, id) :+ committedHere(client, id)
commitFlushed(client, id) :+ commit(client, id)
ack@c(i, client, id) :~ commitFlushed(client, id), coordinator(c), myID(i)

# Abort (presumed): remember it, nothing to acknowledge.
abortedHere(client, id) :- abort(client, id)
abortedHere(client, id) :+ abortedHere(client, id)
"#
    );

    launch_flow(df).await;
}
