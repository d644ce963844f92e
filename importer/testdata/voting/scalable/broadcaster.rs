// Scalable voting, broadcaster partition: sends each ballot to the
// partition, of every original participant, that owns the request id.
// Participant p's partition j is participant instance p + m * j.
use hydroflow_datalog::datalog;

pub async fn run(cfg: BroadcasterArgs, mut ports: HashMap<String, ServerOrBound>) {
    let num_participants = cfg.num_participants.unwrap();
    let partitions = cfg.participant_partitions.unwrap();

    let df = datalog!(
        r#"
.input numParticipants `repeat_iter([(num_participants,),])`
.input partitions `repeat_iter([(partitions,),])`
.async toBroadcaster `null::<(u32,i64,i64,)>()` `source_stream(from_leader) -> map(|x| deserialize_from_bytes::<(u32,i64,i64,)>(x.unwrap().1).unwrap())`
.async ballot `map(|(to, b)| (to, serialize_to_bytes(b))) -> dest_sink(ballot_sink)` `null::<(u32,i64,i64,)>()`

ballot@(p + m * (id % k))(client, id, v) :~ toBroadcaster(client, id, v), numParticipants(m), partitions(k), less_than(p, m)
"#
    );
    launch_flow(df).await;
}
