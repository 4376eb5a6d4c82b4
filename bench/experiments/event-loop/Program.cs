using EventLoopProxy;

// event-loop-proxy PORT BACKEND_PORT[,BACKEND_PORT...] [LOOPS]: listens on 127.0.0.1:PORT and
// forwards to the backends on 127.0.0.1, one loop (thread) per core unless LOOPS says otherwise.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: event-loop-proxy PORT BACKEND_PORT[,BACKEND_PORT...] [LOOPS]");
    return 2;
}
int port = int.Parse(args[0]);
var backends = args[1].Split(',').Select(p => Libc.Loopback(int.Parse(p))).ToArray();
int count = args.Length > 2 ? int.Parse(args[2]) : Environment.ProcessorCount;
var loops = Enumerable.Range(0, count).Select(_ => new Loop(port, backends)).ToArray();
foreach (var loop in loops.Skip(1)) new Thread(loop.Run) { IsBackground = true, Name = "loop" }.Start();
loops[0].Run();
return 0;
