using System.Diagnostics;

namespace Eval.Tests.Fakes;

/// <summary>
/// A real small file system (a tmpfs of a few hundred KiB) that a test fills up, so SQLite meets a full disk exactly as a
/// user's store does: ENOSPC from the kernel, not a simulated error. Mounting needs root on Linux; the test is
/// inconclusive elsewhere. Dispose unmounts it and removes the folder.
/// </summary>
public sealed class FullDisk : IDisposable
{
    private FullDisk(string root) => Root = root;

    /// <summary>The mounted folder; files under it live on the small file system.</summary>
    public string Root { get; }

    private string Filler => Path.Combine(Root, "filler");

    public static FullDisk Mount(int kibibytes = 512)
    {
        string root = Directory.CreateTempSubdirectory("full-disk-").FullName;
        if (!OperatingSystem.IsLinux() || Command("mount", "-t", "tmpfs", "-o", $"size={kibibytes}k", "tmpfs", root) != 0)
        {
            Directory.Delete(root);
            Assert.Inconclusive("mounting a tmpfs needs root on Linux; not available here.");
        }
        return new FullDisk(root);
    }

    /// <summary>Writes a filler file until the kernel says the disk is full (ENOSPC).</summary>
    public void Fill()
    {
        // Unbuffered: every byte the kernel accepted is on the disk, and closing has nothing left to write.
        using var filler = new FileStream(Filler, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 0);
        byte[] block = new byte[4096];
        try { while (true) filler.Write(block); }
        catch (IOException) { } // ENOSPC: full
    }

    /// <summary>Frees the space taken by <see cref="Fill"/>.</summary>
    public void Free() => File.Delete(Filler);

    public void Dispose()
    {
        Command("umount", "--lazy", Root); // lazy: detached even if a test left a file open
        Directory.Delete(Root, recursive: true);
    }

    private static int Command(string file, params string[] arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception) { return -1; }
    }
}
