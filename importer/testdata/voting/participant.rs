// Voting participant, in the artifact's role-file layout (see leader.rs).
use hydroflow::util::cli::{launch_flow, ServerOrBound};
use hydroflow_datalog::datalog;
use std::collections::HashMap;

pub async fn run(cfg: ParticipantArgs, mut ports: HashMap<String, ServerOrBound>) {
    let ballot_source = receive_port(&mut ports, "receive_from$leaders$0").await;
    let (vote_sink, leader_ids) = send_port(&mut ports, "send_to$leaders$0").await;
    let my_id = cfg.index.unwrap();

    let df = datalog!(
        r#"
.input myID `repeat_iter([(my_id,),])`
.input leader `repeat_iter(leader_ids.clone()) -> map(|p| (p,))`
.async ballot `null::<(u32,i64,i64,)>()` `source_stream(ballot_source) -> map(|x| deserialize_from_bytes::<(u32,i64,i64,)>(x.unwrap().1).unwrap())`
.async vote `map(|(to, v)| (to, serialize_to_bytes(v))) -> dest_sink(vote_sink)` `null::<(u32,u32,i64,i64,)>()`

# Every participant votes for every ballot, tagging the vote with its ID.
vote@l(i, client, id, v) :~ ballot(client, id, v), leader(l), myID(i)
"#
    );

    launch_flow(df).await;
}
