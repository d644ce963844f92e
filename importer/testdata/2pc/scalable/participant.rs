// Scalable 2PC, participant: votes go to the committer partition of the
// transaction id, acknowledgements to the ender partition.
use hydroflow_datalog::datalog;

pub async fn run(cfg: ParticipantArgs, mut ports: HashMap<String, ServerOrBound>) {
    let my_id = cfg.index.unwrap();
    let num_committers = cfg.num_committers.unwrap();
    let num_enders = cfg.num_enders.unwrap();

    let df = datalog!(
        r#"
.input myID `repeat_iter([(my_id,),])`
.input numCommitters `repeat_iter([(num_committers,),])`
.input numEnders `repeat_iter([(num_enders,),])`

.async voteReq `null::<(u32,i64,i64,)>()` `source_stream(vote_req_source) -> map(|x| deserialize_from_bytes::<(u32,i64,i64,)>(x.unwrap().1).unwrap())`
.async commit `null::<(u32,i64,)>()` `source_stream(commit_source) -> map(|x| deserialize_from_bytes::<(u32,i64,)>(x.unwrap().1).unwrap())`
.async abort `null::<(u32,i64,)>()` `source_stream(abort_source) -> map(|x| deserialize_from_bytes::<(u32,i64,)>(x.unwrap().1).unwrap())`
.async vote `map(|(to, v)| (u32::try_from(to).unwrap(), serialize_to_bytes(v))) -> dest_sink(vote_sink)` `null::<(u32,u32,i64,String,)>()`
.async ack `map(|(to, v)| (u32::try_from(to).unwrap(), serialize_to_bytes(v))) -> dest_sink(ack_sink)` `null::<(u32,u32,i64,)>()`

.output logVote `for_each(|v| println!("vote {:?}", v))`
# Hydroflow cannot infer voteFlushed's type; a typed input says it.
.input voteFlushed `null::<(u32,i64,String,)>()`

decision(client, id, "yes") :- voteReq(client, id, payload), (payload % 7 != 0)
decision(client, id, "no") :- voteReq(client, id, payload), (payload % 7 == 0)
logVote(client, id, d) :- decision(client, id, d)
voted(client, id, d) :+ decision(client, id, d)
voted(client, id, d) :+ voted(client, id, d)
voteFlushed(client, id, d) :+ decision(client, id, d)
vote@(id % n)(i, client, id, d) :~ voteFlushed(client, id, d), numCommitters(n), myID(i)

committedHere(client, id) :+ commit(client, id)
committedHere(client, id) :+ committedHere(client, id)
commitFlushed(client, id) :+ commit(client, id)
ack@(id % n)(i, client, id) :~ commitFlushed(client, id), numEnders(n), myID(i)

abortedHere(client, id) :- abort(client, id)
abortedHere(client, id) :+ abortedHere(client, id)
"#
    );
    launch_flow(df).await;
}
