using System.Diagnostics;

namespace Eval.Torch.Tests.Fixtures;

/// <summary>Debian's chromium, headless, with the flags that keep it off the network (it has none here).</summary>
public static class HeadlessChromium
{
    public static string? Executable => new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);

    /// <summary>Runs chromium on a file URL with extra arguments; returns its standard output.</summary>
    public static string Run(string file, params string[] arguments)
    {
        string profile = Path.Combine(Path.GetTempPath(), "chromium-" + Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo(Executable ?? throw new InvalidOperationException("chromium is not installed (apt-get install chromium)."))
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (string a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}", "--virtual-time-budget=10000" }.Concat(arguments))
            start.ArgumentList.Add(a);
        start.ArgumentList.Add(new Uri(file).AbsoluteUri);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000)) { process.Kill(true); throw new TimeoutException("chromium did not finish in 120 s."); }
        try { Directory.Delete(profile, recursive: true); } catch (IOException) { }
        return output.Result;
    }
}
