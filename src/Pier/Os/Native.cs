using System.Runtime.InteropServices;

namespace Pier.Os;

/// <summary>
/// The system calls of the fast lane's loops, called directly: each request costs a recv and a send on
/// each side and a share of one epoll_wait, with nothing between the kernel and the forwarding code.
/// </summary>
internal static unsafe partial class Native
{
    public const int AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10;
    public const int SOCK_STREAM = 1, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1, SO_REUSEADDR = 2, SO_ERROR = 4, SO_KEEPALIVE = 9;
    public const int IPPROTO_TCP = 6, TCP_NODELAY = 1, IPPROTO_IPV6 = 41, IPV6_V6ONLY = 26;
    public const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
    public const uint EPOLLIN = 0x1, EPOLLOUT = 0x4, EPOLLERR = 0x8, EPOLLHUP = 0x10, EPOLLRDHUP = 0x2000, EPOLLEXCLUSIVE = 1u << 28, EPOLLET = 1u << 31;
    public const int EINTR = 4, EAGAIN = 11, ECONNABORTED = 103, EADDRINUSE = 98, EINPROGRESS = 115, ECONNREFUSED = 111, ECONNRESET = 104, ENOENT = 2, EPIPE = 32, ETIMEDOUT = 110;
    public const int MSG_PEEK = 0x2, MSG_NOSIGNAL = 0x4000;
    public const int SHUT_WR = 1;
    public const int EFD_NONBLOCK = 0x800, EFD_CLOEXEC = 0x80000;

    /// <summary>sockaddr_storage: big enough for any address family.</summary>
    public const int AddressCapacity = 128;

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    public static int Errno => Marshal.GetLastPInvokeError();

    [LibraryImport("libc", SetLastError = true)] public static partial int socket(int domain, int type, int protocol);
    [LibraryImport("libc", SetLastError = true)] public static partial int setsockopt(int fd, int level, int name, int* value, int length);
    [LibraryImport("libc", SetLastError = true)] public static partial int getsockopt(int fd, int level, int name, int* value, int* length);
    [LibraryImport("libc", SetLastError = true)] public static partial int bind(int fd, byte* address, int length);
    [LibraryImport("libc", SetLastError = true)] public static partial int listen(int fd, int backlog);
    [LibraryImport("libc", SetLastError = true)] public static partial int accept4(int fd, byte* address, int* length, int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial int connect(int fd, byte* address, int length);
    [LibraryImport("libc", SetLastError = true)] public static partial nint recv(int fd, byte* buffer, nint length, int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial nint send(int fd, byte* buffer, nint length, int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial int shutdown(int fd, int how);
    [LibraryImport("libc", SetLastError = true)] public static partial int close(int fd);
    [LibraryImport("libc", SetLastError = true)] public static partial int epoll_create1(int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial int epoll_ctl(int epoll, int op, int fd, EpollEvent* e);
    [LibraryImport("libc", SetLastError = true)] public static partial int epoll_wait(int epoll, EpollEvent* events, int max, int timeout);
    [LibraryImport("libc", SetLastError = true)] public static partial int eventfd(uint initial, int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial nint write(int fd, byte* buffer, nint length);
    [LibraryImport("libc", SetLastError = true)] public static partial nint read(int fd, byte* buffer, nint length);

    /// <summary>recv(2) into part of a managed buffer.</summary>
    public static nint Receive(int fd, byte[] buffer, int offset, int count)
    {
        fixed (byte* bytes = buffer)
            return recv(fd, bytes + offset, count, 0);
    }

    /// <summary>recv(2) that leaves the bytes in the socket.</summary>
    public static nint Peek(int fd, byte[] buffer)
    {
        fixed (byte* bytes = buffer)
            return recv(fd, bytes, buffer.Length, MSG_PEEK);
    }

    /// <summary>send(2) from part of a managed buffer, without SIGPIPE when the peer has gone.</summary>
    public static nint Send(int fd, byte[] buffer, int offset, int count)
    {
        fixed (byte* bytes = buffer)
            return send(fd, bytes + offset, count, MSG_NOSIGNAL);
    }

    public static void SetOption(int fd, int level, int name, int value) => setsockopt(fd, level, name, &value, sizeof(int));

    /// <summary>A non-blocking stream socket of the family, or -1.</summary>
    public static int StreamSocket(int family) => socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    /// <summary>The pending error of a socket whose non-blocking connect has finished (0: connected).</summary>
    public static int PendingError(int fd)
    {
        int error = 0, size = sizeof(int);
        return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0 ? error : Errno;
    }
}
