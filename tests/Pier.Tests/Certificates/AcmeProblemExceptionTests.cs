using System.Text.Json;
using Pier.Certificates;

namespace Pier.Tests.Certificates;

public sealed class AcmeProblemExceptionTests
{
    [Fact]
    public void FromDocument_WithSubproblems_IsOneLineNamingEachDomain()
    {
        using var document = JsonDocument.Parse("""
            {
              "type": "urn:ietf:params:acme:error:rejectedIdentifier",
              "detail": "Error creating new order\n:: 2 identifiers rejected",
              "status": 400,
              "subproblems": [
                { "type": "urn:ietf:params:acme:error:rejectedIdentifier", "detail": "Domain name contains an invalid character",
                  "identifier": { "type": "dns", "value": "bad_name.example.com" } },
                { "type": "urn:ietf:params:acme:error:caa", "detail": "CAA record forbids issuance",
                  "identifier": { "type": "dns", "value": "www.example.com" } }
              ]
            }
            """);

        var problem = AcmeProblemException.FromDocument(document.RootElement, "ordering a certificate for bad_name.example.com, www.example.com");

        Assert.Equal(
            "ordering a certificate for bad_name.example.com, www.example.com: rejectedIdentifier: Error creating new order :: 2 identifiers rejected; " +
            "bad_name.example.com: rejectedIdentifier: Domain name contains an invalid character; www.example.com: caa: CAA record forbids issuance",
            problem.Message);
        Assert.True(problem.Is("rejectedIdentifier"));
    }

    [Fact]
    public void FromDocument_KeepsRetryAfter_ForRateLimits()
    {
        using var document = JsonDocument.Parse("""{"type":"urn:ietf:params:acme:error:rateLimited","detail":"too many certificates"}""");

        var problem = AcmeProblemException.FromDocument(document.RootElement, "ordering", TimeSpan.FromHours(3));

        Assert.Equal("ordering: rateLimited: too many certificates", problem.Message);
        Assert.Equal(TimeSpan.FromHours(3), problem.RetryAfter);
    }
}
