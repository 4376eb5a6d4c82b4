using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Pier.Certificates;

namespace Pier.Tests.Certificates;

public sealed class AcmeAccountKeyTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void LoadOrCreate_MakesTheKeyOnce_OwnerOnly_AndReusesIt()
    {
        var path = Path.Combine(_dir.Path, "acme", "account.key");

        string thumbprint;
        using (var created = AcmeAccountKey.LoadOrCreate(path))
            thumbprint = created.Thumbprint;
        using var loaded = AcmeAccountKey.LoadOrCreate(path);

        Assert.Equal(thumbprint, loaded.Thumbprint);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void Jwk_IsCanonical_AndTheThumbprintIsItsSha256()
    {
        using var key = AcmeAccountKey.LoadOrCreate(Path.Combine(_dir.Path, "account.key"));

        using var jwk = JsonDocument.Parse(key.Jwk);
        Assert.Equal(["crv", "kty", "x", "y"], jwk.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.DoesNotContain(" ", key.Jwk);
        Assert.Equal(Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(key.Jwk))), key.Thumbprint);
        Assert.Equal("token123." + key.Thumbprint, key.KeyAuthorization("token123"));
    }

    [Fact]
    public void Sign_IsRawRAndS_VerifiableWithThePublicKey()
    {
        using var key = AcmeAccountKey.LoadOrCreate(Path.Combine(_dir.Path, "account.key"));
        var data = Encoding.ASCII.GetBytes("protected.payload");

        var signature = key.Sign(data);

        Assert.Equal(64, signature.Length);
        using var jwk = JsonDocument.Parse(key.Jwk);
        using var verifier = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint
            {
                X = Base64Url.DecodeFromChars(jwk.RootElement.GetProperty("x").GetString()),
                Y = Base64Url.DecodeFromChars(jwk.RootElement.GetProperty("y").GetString()),
            },
        });
        Assert.True(verifier.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }
}
