// Scalable voting, collector partition: the leader's vote collection.
use hydroflow_datalog::datalog;

pub async fn run(cfg: CollectorArgs, mut ports: HashMap<String, ServerOrBound>) {
    let (_, client_send) = client_ports(&mut ports).await;
    let num_participants = cfg.num_participants.unwrap();

    let df = datalog!(
        r#"
.input numParticipants `repeat_iter([(num_participants,),])`
.async clientOut `map(|(tag, reply)| (tag, encode_reply(reply))) -> dest_sink(client_send)` `null::<(i64,i64,)>()`
.async vote `null::<(u32,u32,i64,i64,)>()` `source_stream(vote_source) -> map(|v| deserialize_from_bytes::<(u32,u32,i64,i64,)>(v.unwrap().1).unwrap())`

votes(src, client, id, v) :- vote(src, client, id, v)
votes(src, client, id, v) :+ votes(src, client, id, v)
numVotes(count(src), client, id, v) :- votes(src, client, id, v)
allVoted(client, id, v) :- numVotes(n, client, id, v), numParticipants(n)
clientOut@client(id, v) :~ allVoted(client, id, v), !replied(id)
replied(id) :+ allVoted(_, id, _)
replied(id) :+ replied(id)
"#
    );
    launch_flow(df).await;
}
