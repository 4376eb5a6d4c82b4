using System.Runtime.InteropServices;

namespace EventLoopProxy;

/// <summary>The few system calls the loops make, called directly: the experiment measures a
/// forwarder with nothing between the kernel and its own code.</summary>
static unsafe partial class Libc
{
    public const int AF_INET = 2, SOCK_STREAM = 1, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1, SO_REUSEADDR = 2, SO_ERROR = 4, SO_REUSEPORT = 15;
    public const int IPPROTO_TCP = 6, TCP_NODELAY = 1;
    public const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
    public const uint EPOLLIN = 0x1, EPOLLOUT = 0x4, EPOLLERR = 0x8, EPOLLHUP = 0x10, EPOLLRDHUP = 0x2000;
    public const int EINTR = 4, EAGAIN = 11, EINPROGRESS = 115;
    public const int MSG_NOSIGNAL = 0x4000;

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct SockAddrIn
    {
        public ushort Family;
        public ushort Port;
        public uint Address;
        public ulong Zero;
    }

    public static int Errno => Marshal.GetLastPInvokeError();

    [LibraryImport("libc", SetLastError = true)] public static partial int socket(int domain, int type, int protocol);
    [LibraryImport("libc", SetLastError = true)] public static partial int setsockopt(int fd, int level, int name, int* value, int length);
    [LibraryImport("libc", SetLastError = true)] public static partial int getsockopt(int fd, int level, int name, int* value, int* length);
    [LibraryImport("libc", SetLastError = true)] public static partial int bind(int fd, SockAddrIn* address, int length);
    [LibraryImport("libc", SetLastError = true)] public static partial int listen(int fd, int backlog);
    [LibraryImport("libc", SetLastError = true)] public static partial int accept4(int fd, SockAddrIn* address, int* length, int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial int connect(int fd, SockAddrIn* address, int length);
    [LibraryImport("libc", SetLastError = true)] public static partial nint recv(int fd, byte* buffer, nint length, int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial nint send(int fd, byte* buffer, nint length, int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial int close(int fd);
    [LibraryImport("libc", SetLastError = true)] public static partial int epoll_create1(int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial int epoll_ctl(int epoll, int op, int fd, EpollEvent* e);
    [LibraryImport("libc", SetLastError = true)] public static partial int epoll_wait(int epoll, EpollEvent* events, int max, int timeout);

    public static SockAddrIn Loopback(int port) => new()
    {
        Family = AF_INET,
        Port = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness((ushort)port),
        Address = 0x0100007F,
    };

    public static void SetOption(int fd, int level, int name, int value) => setsockopt(fd, level, name, &value, sizeof(int));
}
