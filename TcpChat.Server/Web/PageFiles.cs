using System.Reflection;
using System.Security.Cryptography;

namespace TcpChat.Server.Web;

/// <summary>
/// The web client's files (Web/wwwroot: HTML, CSS, plain JavaScript), embedded in the server's assembly: no build step,
/// nothing fetched from elsewhere, the page works offline.
/// </summary>
internal sealed class PageFiles
{
    private const string Prefix = "wwwroot/";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
    };

    private readonly Dictionary<string, PageFile> _files;

    private PageFiles(Dictionary<string, PageFile> files) => _files = files;

    /// <summary>The files by path, <c>/</c> being <c>/index.html</c>.</summary>
    public static PageFiles Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var files = new Dictionary<string, PageFile>(StringComparer.Ordinal);
        foreach (string name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            byte[] bytes = copy.ToArray();
            string type = ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream");
            string etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "\"";
            files["/" + name[Prefix.Length..]] = new PageFile(bytes, type, etag);
        }
        if (files.TryGetValue("/index.html", out var index)) files["/"] = index;
        return new PageFiles(files);
    }

    public bool TryGet(string path, out PageFile file) => _files.TryGetValue(path, out file!);
}

/// <summary>One file of the page, with its content type and an ETag (a hash of its bytes).</summary>
internal sealed record PageFile(byte[] Bytes, string ContentType, string ETag);
