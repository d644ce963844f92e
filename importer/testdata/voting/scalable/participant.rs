// Scalable voting, participant partition: votes go to the collector
// partition of the request id.
use hydroflow_datalog::datalog;

pub async fn run(cfg: ParticipantArgs, mut ports: HashMap<String, ServerOrBound>) {
    let my_id = cfg.index.unwrap();
    let num_collectors = cfg.num_collectors.unwrap();

    let df = datalog!(
        r#"
.input myID `repeat_iter([(my_id,),])`
.input numCollectors `repeat_iter([(num_collectors,),])`
.async ballot `null::<(u32,i64,i64,)>()` `source_stream(ballot_source) -> map(|x| deserialize_from_bytes::<(u32,i64,i64,)>(x.unwrap().1).unwrap())`
.async vote `map(|(to, v)| (to, serialize_to_bytes(v))) -> dest_sink(vote_sink)` `null::<(u32,u32,i64,i64,)>()`

vote@(id % n)(i, client, id, v) :~ ballot(client, id, v), numCollectors(n), myID(i)
"#
    );
    launch_flow(df).await;
}
