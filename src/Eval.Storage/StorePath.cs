using System.Runtime.InteropServices;

namespace Eval.Storage;

/// <summary>
/// What a store path the user named refers to: a symbolic link whose target is missing is refused before SQLite sees it
/// (SQLite would say only "unable to open database file", or create the target wherever the link points), and two
/// names of one file (a symbolic or hard link, a relative path, a linked folder) are recognised as the same file.
/// </summary>
internal static class StorePath
{
    /// <summary>Throws <see cref="StoreException"/> naming the link and its missing target when <paramref name="path"/> is a dangling symbolic link (or a loop of them).</summary>
    public static void RequireNotDangling(string path)
    {
        var link = new FileInfo(path);
        if (link.LinkTarget is null) return;
        FileSystemInfo? target;
        try { target = link.ResolveLinkTarget(returnFinalTarget: true); }
        catch (IOException) // ELOOP: too many levels of links
        {
            throw new StoreException($"{path}: is a symbolic link that leads back to itself (a loop); point it at a result store or pass the store's own path.");
        }
        if (target is not null && !target.Exists)
            throw new StoreException($"{path}: is a symbolic link to {target.FullName}, which does not exist; nothing was created there. " +
                                     "Point the link at a result store or pass the path where the store should be.");
    }

    /// <summary>True when both paths name one existing file, however they are spelled (compared by device and inode on Linux).</summary>
    public static bool SameFile(string a, string b)
    {
        if (OperatingSystem.IsLinux() && Identity(a) is { } first && Identity(b) is { } second) return first == second;
        return File.Exists(a) && File.Exists(b) && RealPath(a) == RealPath(b);
    }

    /// <summary>The full path with the final symbolic link resolved: where the platform offers no file identity.</summary>
    private static string RealPath(string path) =>
        new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);

    /// <summary>
    /// (device, inode) of the file the path leads to, following every link, from statx(2): its buffer has one layout on
    /// every Linux architecture (unlike struct stat). Null when the file does not exist or statx is unavailable.
    /// </summary>
    private static (ulong Device, ulong Inode)? Identity(string path)
    {
        const int AtFdCwd = -100, StatxIno = 0x100;
        byte[] buffer = new byte[256];
        try
        {
            if (Statx(AtFdCwd, path, 0, StatxIno, buffer) != 0) return null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return null; }
        ulong inode = BitConverter.ToUInt64(buffer, 32);
        ulong device = ((ulong)BitConverter.ToUInt32(buffer, 136) << 32) | BitConverter.ToUInt32(buffer, 140); // stx_dev_major, stx_dev_minor
        return (device, inode);
    }

    // A path is passed as UTF-8 on Unix (LPStr).
    [DllImport("libc", EntryPoint = "statx")]
    private static extern int Statx(int directory, [MarshalAs(UnmanagedType.LPStr)] string path, int flags, uint mask, byte[] buffer);
}
