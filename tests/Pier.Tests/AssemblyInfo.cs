// Like Pier itself, the tests drive Linux processes and sockets.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
