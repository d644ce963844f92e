// Scalable 2PC, committer partition: phase 2 of the coordinator (collect
// votes, decide, broadcast the decision; answer aborts at once).
use hydroflow_datalog::datalog;

pub async fn run(mut ports: HashMap<String, ServerOrBound>) {
    let (_, client_send) = client_ports(&mut ports).await;
    let (commit_sink, peers) = send_port(&mut ports, "send_to$participants$1").await;
    let num_participants = peers.len();

    let df = datalog!(
        r#"
.input participants `repeat_iter(peers.clone()) -> map(|p| (p,))`
.input numParticipants `repeat_iter([(num_participants,),])`
.async clientOut `map(|(tag, r)| (tag, encode_outcome(r))) -> dest_sink(client_send)` `null::<(i64,String,)>()`
.async vote `null::<(u32,u32,i64,String,)>()` `source_stream(vote_source) -> map(|v| deserialize_from_bytes::<(u32,u32,i64,String,)>(v.unwrap().1).unwrap())`
.async commit `map(|(to, v)| (to, serialize_to_bytes(v))) -> dest_sink(commit_sink)` `null::<(u32,i64,)>()`
.async abort `map(|(to, v)| (to, serialize_to_bytes(v))) -> dest_sink(abort_sink)` `null::<(u32,i64,)>()`
.output logCommit `for_each(|(c, id):(u32,i64)| println!("commit {:?} {:?}", c, id))`

votes(src, client, id, d) :- vote(src, client, id, d)
votes(src, client, id, d) :+ votes(src, client, id, d)
numYes(count(src), client, id) :- votes(src, client, id, "yes")
allYes(client, id) :- numYes(n, client, id), numParticipants(n)
anyNo(client, id) :- votes(_, client, id, "no")

logCommit(client, id) :- allYes(client, id), !committed(client, id)
committed(client, id) :+ allYes(client, id)
committed(client, id) :+ committed(client, id)
commitFlushed(client, id) :+ allYes(client, id), !committed(client, id)
commit@p(client, id) :~ commitFlushed(client, id), participants(p)

aborted(client, id) :+ anyNo(client, id)
aborted(client, id) :+ aborted(client, id)
abort@p(client, id) :~ anyNo(client, id), !aborted(client, id), participants(p)
clientOut@client(id, "abort") :~ anyNo(client, id), !aborted(client, id)
"#
    );
    launch_flow(df).await;
}
