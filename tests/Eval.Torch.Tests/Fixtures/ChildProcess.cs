using System.Diagnostics;

namespace Eval.Torch.Tests.Fixtures;

/// <summary>Runs a program to its end in a process of its own, reading both streams as they come (neither pipe can fill and stall it).</summary>
public static class ChildProcess
{
    public static (int Exit, string Output, string Error) Run(string program, string workingDirectory, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(program, arguments) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', start.ArgumentList)} ran over {timeout ?? TimeSpan.FromMinutes(10)}:\n{output.Result}{error.Result}");
        }
        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>
    /// Starts a program, sends it <paramref name="signal"/> (kill -INT, -TERM) once a line of its output satisfies
    /// <paramref name="when"/>, and waits for its end.
    /// </summary>
    public static (int Exit, string Output, string Error) RunAndSignal(string program, string workingDirectory, IEnumerable<string> arguments,
        Func<string, bool> when, string signal, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program, arguments) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        var error = process.StandardError.ReadToEndAsync();
        bool sent = false;
        while (process.StandardOutput.ReadLine() is string line)
        {
            output.AppendLine(line);
            if (!sent && when(line))
            {
                sent = true;
                using var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
                kill.WaitForExit();
            }
        }
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} ran over {timeout} after {signal}:\n{output}{error.Result}");
        }
        Assert.That(sent, Is.True, $"the awaited output never came:\n{output}{error.Result}");
        return (process.ExitCode, output.ToString(), error.Result);
    }
}
