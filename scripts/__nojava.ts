import { startKafka } from "/work/main/scripts/lib/kafka";
try { await startKafka({ dir: "/tmp/kafka-nojava", port: 19392 }); } catch (e) { console.log("caught:", (e as Error).message.slice(0, 200)); }
