namespace Pier.Certificates;

/// <summary>What an issuer hands back: the chain (leaf first) and the new key, both PEM.</summary>
internal sealed record IssuedCertificate(string ChainPem, string KeyPem);
