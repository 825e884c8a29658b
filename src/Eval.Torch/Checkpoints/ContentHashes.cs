using System.Security.Cryptography;

namespace Eval.Torch.Checkpoints;

/// <summary>
/// SHA-256 of each file in a folder that can change what is computed from it, recorded when the folder is written and
/// checked before it is used: a flipped bit, an edited config.json, another model's weights copied in or a truncated
/// file is then found and named instead of being evaluated (or resumed) under the identity of what was written.
/// </summary>
public static class ContentHashes
{
    /// <summary>File name (relative to <paramref name="folder"/>) to its SHA-256 in lower-case hex.</summary>
    public static SortedDictionary<string, string> Of(string folder, IEnumerable<string> files) =>
        new(files.ToDictionary(file => Path.GetRelativePath(folder, file), Hash), StringComparer.Ordinal);

    /// <summary>
    /// The first difference between what <paramref name="recorded"/> says and the <paramref name="files"/> there now:
    /// a changed, missing or unrecorded file, with its path; null when they agree.
    /// </summary>
    public static string? Problem(string folder, IReadOnlyDictionary<string, string> recorded, IEnumerable<string> files, string record)
    {
        foreach (string file in files.Select(f => Path.GetRelativePath(folder, f)).Order(StringComparer.Ordinal))
            if (!recorded.ContainsKey(file))
                return $"{Path.Combine(folder, file)}: not one of the files recorded in {record} (copied in after it was written?)";
        foreach (var (file, hash) in recorded.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            string path = Path.Combine(folder, file);
            if (!File.Exists(path)) return $"{path}: missing (recorded in {record})";
            if (Hash(path) != hash) return $"{path}: damaged (its SHA-256 differs from the one recorded in {record} when it was written)";
        }
        return null;
    }

    private static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }
}
