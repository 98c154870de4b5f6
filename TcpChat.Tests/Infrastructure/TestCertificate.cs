using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TcpChat.Tests.Infrastructure;

/// <summary>A self-signed certificate for localhost / 127.0.0.1, written as PEM files the server can load.</summary>
public sealed class TestCertificate : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tcpchat-cert-" + Guid.NewGuid().ToString("N")[..8]);

    public TestCertificate()
    {
        Directory.CreateDirectory(_dir);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        CertificatePath = Path.Combine(_dir, "cert.pem");
        KeyPath = Path.Combine(_dir, "key.pem");
        File.WriteAllText(CertificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
    }

    public string CertificatePath { get; }

    public string KeyPath { get; }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
