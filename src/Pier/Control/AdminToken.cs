using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Pier.Control;

/// <summary>
/// The bearer token of the admin HTTP API: made once at first start, kept in the state directory
/// readable by Pier's user only, compared in constant time.
/// </summary>
internal sealed class AdminToken
{
    public const string FileName = "admin.token";

    private readonly byte[] _expected;

    private AdminToken(string value)
    {
        Value = value;
        _expected = Encoding.ASCII.GetBytes("Bearer " + value);
    }

    public string Value { get; }

    public static AdminToken LoadOrCreate(string stateDirectory)
    {
        var path = Path.Combine(stateDirectory, FileName);
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: >= 32 } existing)
            return new AdminToken(existing);
        // Straight from the kernel's CSPRNG: RandomNumberGenerator loads OpenSSL, which stays mapped (about
        // 4 MiB of RSS) though Pier needs no other crypto without https, on every start with a fresh state.
        Span<byte> random = stackalloc byte[32];
        using (var urandom = File.OpenRead("/dev/urandom"))
            urandom.ReadExactly(random);
        var token = Base64Url.EncodeToString(random);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, "");
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(temporary, token + "\n");
        File.Move(temporary, path, overwrite: true);
        return new AdminToken(token);
    }

    /// <summary>Null when readable by this user; otherwise why not.</summary>
    public static string? Read(string stateDirectory, out string? token)
    {
        token = null;
        try
        {
            token = File.ReadAllText(Path.Combine(stateDirectory, FileName)).Trim();
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }

    public bool Accepts(string? authorization) =>
        authorization is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(authorization), _expected);
}
