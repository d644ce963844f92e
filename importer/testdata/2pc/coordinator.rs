// Two-phase commit coordinator (presumed abort), written for dsim's importer
// tests in the layout of the paper artifact's role files. It decides like
// corpus/2pc/base.ded: commit when every participant votes yes, otherwise
// abort at once without acknowledgements.
use hydroflow::util::cli::{launch_flow, ServerOrBound};
use hydroflow_datalog::datalog;
use std::collections::HashMap;

pub async fn run(mut ports: HashMap<String, ServerOrBound>) {
    let (client_recv, client_send) = client_ports(&mut ports).await;
    let (vote_req_sink, peers) = send_port(&mut ports, "send_to$participants$0").await;
    let (commit_sink, _) = send_port(&mut ports, "send_to$participants$1").await;
    let (abort_sink, _) = send_port(&mut ports, "send_to$participants$2").await;
    let vote_source = receive_port(&mut ports, "receive_from$participants$0").await;
    let ack_source = receive_port(&mut ports, "receive_from$participants$1").await;
    let num_participants = peers.len();
    let periodic_source = IntervalStream::new(interval(Duration::from_secs(1)));

    let df = datalog!(
        r#"
######################## relation definitions
# EDB
.input participants `repeat_iter(peers.clone()) -> map(|p| (p,))`
.input numParticipants `repeat_iter([(num_participants,),])`
# A periodic source the protocol does not use (yet).
.input periodic `source_stream(periodic_source) -> map(|_| ())`

.async clientIn `null::<(u32,i64,i64,)>()` `source_stream(client_recv) -> map(|x| decode_request(x.unwrap()))`
.async clientOut `map(|(tag, r)| (tag, encode_outcome(r))) -> dest_sink(client_send)` `null::<(i64,String,)>()`

.async voteReq `map(|(to, v)| (to, serialize_to_bytes(v))) -> dest_sink(vote_req_sink)` `null::<(u32,i64,i64,)>()`
.async vote `null::<(u32,u32,i64,String,)>()` `source_stream(vote_source) -> map(|v| deserialize_from_bytes::<(u32,u32,i64,String,)>(v.unwrap().1).unwrap())`
.async commit `map(|(to, v)| (to, serialize_to_bytes(v))) -> dest_sink(commit_sink)` `null::<(u32,i64,)>()`
.async abort `map(|(to, v)| (to, serialize_to_bytes(v))) -> dest_sink(abort_sink)` `null::<(u32,i64,)>()`
.async ack `null::<(u32,u32,i64,)>()` `source_stream(ack_source) -> map(|v| deserialize_from_bytes::<(u32,u32,i64,)>(v.unwrap().1).unwrap())`

.output logCommit `for_each(|(c, id):(u32,i64)| println!("commit {:?} {:?}", c, id))`
######################## end relation definitions

# Phase 1: ask every participant to vote.
voteReq@p(client, id, payload) :~ clientIn(client, id, payload), participants(p)

# Phase 2: collect votes and decide.
votes(src, client, id, d) :- vote(src, client, id, d)
votes(src, client, id, d) :+ votes(src, client, id, d)
numYes(count(src), client, id) :- votes(src, client, id, "yes")
allYes(client, id) :- numYes(n, client, id), numParticipants(n)
anyNo(client, id) :- votes(_, client, id, "no")

# Commit: log, then (next tick, flushed) broadcast.
logCommit(client, id) :- allYes(client, id), !committed(client, id)
committed(client, id) :+ allYes(client, id)
committed(client, id) :+ committed(client, id)
commitFlushed(client, id) :+ allYes(client, id), !committed(client, id)
commit@p(client, id) :~ commitFlushed(client, id), participants(p)

# Presumed abort: tell the participants and the client at once.
aborted(client, id) :+ anyNo(client, id)
aborted(client, id) :+ aborted(client, id)
abort@p(client, id) :~ anyNo(client, id), !aborted(client, id), participants(p)
clientOut@client(id, "abort") :~ anyNo(client, id), !aborted(client, id)

# Phase 3: collect acks, log the end record, then answer.
acks(src, client, id) :- ack(src, client, id)
acks(src, client, id) :+ acks(src, client, id)
numAcks(count(src), client, id) :- acks(src, client, id)
allAcked(client, id) :- numAcks(n, client, id), numParticipants(n)
ended(client, id) :+ allAcked(client, id)
ended(client, id) :+ ended(client, id)
endFlushed(client, id) :+ allAcked(client, id), !ended(client, id)
clientOut@client(id, "commit") :~ endFlushed(client, id)
"#
    );

    launch_flow(df).await;
}
