// Scalable 2PC, ender partition: phase 3 of the coordinator (collect
// acknowledgements, log the end record, answer the client).
use hydroflow_datalog::datalog;

pub async fn run(mut ports: HashMap<String, ServerOrBound>) {
    let (_, client_send) = client_ports(&mut ports).await;
    let num_participants = participant_count(&ports);

    let df = datalog!(
        r#"
.input numParticipants `repeat_iter([(num_participants,),])`
.async clientOut `map(|(tag, r)| (tag, encode_outcome(r))) -> dest_sink(client_send)` `null::<(i64,String,)>()`
.async ack `null::<(u32,u32,i64,)>()` `source_stream(ack_source) -> map(|v| deserialize_from_bytes::<(u32,u32,i64,)>(v.unwrap().1).unwrap())`

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
