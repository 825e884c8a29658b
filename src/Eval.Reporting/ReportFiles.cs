using System.Security.Cryptography;
using System.Text;

namespace Eval.Reporting;

/// <summary>
/// The one place that names and writes a report's files. A file named after a model (or strategy) keeps a readable
/// slug of the name and adds a short hash of the exact parts: "pi.2" and "pi-2" slug alike, and before the hash
/// one model's chart overwrote the other's. The slug is ASCII and cut short, so any name gives a file name of
/// bounded length (a 300-character model name used to fail the whole report). The hash is stable: the same run
/// renders the same file names.
/// </summary>
public static class ReportFiles
{
    /// <summary>Characters of slug kept before the hash; with it and ".png" a name stays under 80 bytes.</summary>
    public const int SlugLength = 60;

    /// <summary>A PNG file name for a chart drawn from <paramref name="parts"/> (say a model's exact name, "ppl"), unique to those exact parts.</summary>
    public static string Chart(params string[] parts)
    {
        string slug = string.Join("-", parts.Select(Slug).Where(s => s.Length > 0));
        if (slug.Length > SlugLength) slug = slug[..SlugLength].TrimEnd('-', '_');
        return $"{(slug.Length > 0 ? slug : "chart")}-{Hash(parts)}.png"; // never a name starting with "-" (an option to shell tools)
    }

    /// <summary>Writes one file of the report; a failure names that file (<see cref="ReportFileException"/>), not only the folder.</summary>
    public static string Write(string path, Action<string> write)
    {
        try { write(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ReportFileException(path, e);
        }
        return path;
    }

    /// <summary>The readable part: ASCII letters and digits, lower case; a zoo model without its "zoo:" (as the report shows it).</summary>
    private static string Slug(string part) =>
        new string((part.StartsWith("zoo:", StringComparison.Ordinal) ? part[4..] : part).Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_').ToArray()).Trim('_');

    /// <summary>8 hex digits of SHA-256 over the parts, each prefixed by its length so ("a-b", "c") and ("a", "b-c") differ.</summary>
    private static string Hash(string[] parts)
    {
        string exact = string.Concat(parts.Select(p => $"{p.Length}:{p}"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(exact)))[..8];
    }
}
