// Voting leader, written for dsim's importer tests in the layout of the
// paper artifact's role files (rust/examples/<protocol>/<role>.rs): Rust
// glue wires ports and EDB values into the datalog! macro, which holds the
// protocol. Only the macro matters to dsim; the glue below is a sketch.
use hydroflow::util::cli::{launch_flow, ServerOrBound};
use hydroflow_datalog::datalog;
use std::collections::HashMap;

pub async fn run(mut ports: HashMap<String, ServerOrBound>) {
    let (client_recv, client_send) = client_ports(&mut ports).await;
    let (ballot_sink, participant_ids) = send_port(&mut ports, "send_to$participants$0").await;
    let vote_source = receive_port(&mut ports, "receive_from$participants$0").await;
    let quorum = participant_ids.len();

    // let df = datalog!(r#"an old version, commented out: not imported"#);
    let df = datalog!(
        r#"
# EDB, filled by the glue above.
.input participants `repeat_iter(participant_ids.clone()) -> map(|p| (p,))`
.input numParticipants `repeat_iter([(quorum,),])`

# Clients: (client tag, request id, payload) in, (request id, payload) out.
.async clientIn `null::<(u32,i64,i64,)>()` `source_stream(client_recv) -> map(|x| decode_request(x.unwrap()))`
.async clientOut `map(|(tag, reply)| (tag, encode_reply(reply))) -> dest_sink(client_send)` `null::<(i64,i64,)>()`

# Debugging print, not used by any rule at the moment.
.output trace `for_each(|t| println!("leader: {:?}", t))`

# Broadcast each request to every participant.
ballot@p(client, id, v) :~ clientIn(client, id, v), participants(p)

# Collect votes; answer once every participant has voted.
votes(src, client, id, v) :- vote(src, client, id, v)
votes(src, client, id, v) :+ votes(src, client, id, v)
numVotes(count(src), client, id, v) :- votes(src, client, id, v)
allVoted(client, id, v) :- numVotes(n, client, id, v), numParticipants(n)
clientOut@client(id, v) :~ allVoted(client, id, v), !replied(id)
replied(id) :+ allVoted(_, id, _)
replied(id) :+ replied(id)

# Channels, declared after the rules that use them.
.async ballot `map(|(to, b)| (to, serialize_to_bytes(b))) -> dest_sink(ballot_sink)` `null::<(u32,i64,i64,)>()`
.async vote `null::<(u32,u32,i64,i64,)>()` `source_stream(vote_source) -> map(|v| deserialize_from_bytes::<(u32,u32,i64,i64,)>(v.unwrap().1).unwrap())`
"#
    );

    launch_flow(df).await;
}
