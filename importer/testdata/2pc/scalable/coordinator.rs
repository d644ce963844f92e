// Scalable 2PC, coordinator piece: after decoupling (the vote requester,
// committer and ender took the coordinator's rules) it only relays each
// client request to the vote requester partition of its id.
use hydroflow_datalog::datalog;

pub async fn run(mut ports: HashMap<String, ServerOrBound>) {
    let (client_recv, _) = client_ports(&mut ports).await;
    let (to_requester_sink, requesters) = send_port(&mut ports, "send_to$vote_requesters$0").await;
    let num_requesters = requesters.len();

    let df = datalog!(
        r#"
.input numRequesters `repeat_iter([(num_requesters,),])`
.async clientIn `null::<(u32,i64,i64,)>()` `source_stream(client_recv) -> map(|x| decode_request(x.unwrap()))`
.async toRequester `map(|(to, v)| (to, serialize_to_bytes(v))) -> dest_sink(to_requester_sink)` `null::<(u32,i64,i64,)>()`

toRequester@(id % n)(client, id, payload) :~ clientIn(client, id, payload), numRequesters(n)
"#
    );
    launch_flow(df).await;
}
