// Scalable 2PC, vote requester partition: phase 1 of the coordinator.
use hydroflow_datalog::datalog;

pub async fn run(mut ports: HashMap<String, ServerOrBound>) {
    let from_coordinator = receive_port(&mut ports, "receive_from$coordinators$0").await;
    let (vote_req_sink, peers) = send_port(&mut ports, "send_to$participants$0").await;

    let df = datalog!(
        r#"
.input participants `repeat_iter(peers.clone()) -> map(|p| (p,))`
.async toRequester `null::<(u32,i64,i64,)>()` `source_stream(from_coordinator) -> map(|x| deserialize_from_bytes::<(u32,i64,i64,)>(x.unwrap().1).unwrap())`
.async voteReq `map(|(to, v)| (to, serialize_to_bytes(v))) -> dest_sink(vote_req_sink)` `null::<(u32,i64,i64,)>()`

voteReq@p(client, id, payload) :~ toRequester(client, id, payload), participants(p)
"#
    );
    launch_flow(df).await;
}
