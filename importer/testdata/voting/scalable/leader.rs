// Scalable voting, leader piece: after decoupling it relays each client
// request to the broadcaster partition of its id.
use hydroflow_datalog::datalog;

pub async fn run(mut ports: HashMap<String, ServerOrBound>) {
    let (client_recv, _) = client_ports(&mut ports).await;
    let (to_broadcaster_sink, broadcasters) = send_port(&mut ports, "send_to$broadcasters$0").await;
    let num_broadcasters = broadcasters.len();

    let df = datalog!(
        r#"
.input numBroadcasters `repeat_iter([(num_broadcasters,),])`
.async clientIn `null::<(u32,i64,i64,)>()` `source_stream(client_recv) -> map(|x| decode_request(x.unwrap()))`
.async toBroadcaster `map(|(to, v)| (to, serialize_to_bytes(v))) -> dest_sink(to_broadcaster_sink)` `null::<(u32,i64,i64,)>()`

toBroadcaster@(id % n)(client, id, v) :~ clientIn(client, id, v), numBroadcasters(n)
"#
    );
    launch_flow(df).await;
}
