namespace Pier.Certificates;

/// <summary>Where the served certificate comes from.</summary>
internal enum CertificateSource
{
    Acme,
    Internal,
    File,
}
