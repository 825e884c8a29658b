using System.CommandLine;
using System.Text;

namespace Eval.Cli.Cluster;

/// <summary>
/// An `eval` command line for a generated job script, built against the real command tree: naming a verb or an option
/// the CLI does not have throws at generation time (and in the tests), so a renamed option cannot leave a cluster
/// template calling something that no longer exists. Values are shell-quoted; <see cref="Shell"/> passes shell
/// expansions (a Slurm task id, an array of inputs) through unquoted.
/// </summary>
public sealed class CliLine
{
    private static readonly Lazy<RootCommand> Root = new(() => EvalCli.BuildRoot(TextWriter.Null, TextWriter.Null));
    private readonly Command command;
    private readonly StringBuilder text;

    private CliLine(Command command)
    {
        this.command = command;
        text = new StringBuilder(command.Name);
    }

    public static CliLine For(string verb) =>
        new(Root.Value.Subcommands.FirstOrDefault(c => c.Name == verb)
            ?? throw new InvalidOperationException($"eval has no command \"{verb}\". Commands: {string.Join(", ", Root.Value.Subcommands.Select(c => c.Name))}."));

    /// <summary>A positional argument, quoted.</summary>
    public CliLine Argument(string value) => Append(Quote(value));

    /// <summary>Shell text passed as is, e.g. "${inputs[@]}" or "$SLURM_ARRAY_TASK_ID".</summary>
    public CliLine Shell(string shellText) => Append(shellText);

    /// <summary>An option with a quoted value.</summary>
    public CliLine Option(string name, string value) => Append(Known(name) + " " + Quote(value));

    /// <summary>An option whose value holds a shell expansion, put in double quotes so it expands as one word.</summary>
    public CliLine OptionExpanded(string name, string shellValue) => Append(Known(name) + " \"" + shellValue + "\"");

    /// <summary>A flag (a boolean option).</summary>
    public CliLine Flag(string name) => Append(Known(name));

    public override string ToString() => text.ToString();

    /// <summary>Single-quotes a word for bash unless it is plainly safe.</summary>
    public static string Quote(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || "/._-:=+,@%".Contains(c))
            ? value
            : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private string Known(string name) =>
        command.Options.Any(o => o.Name == name || o.Aliases.Contains(name))
            ? name
            : throw new InvalidOperationException($"eval {command.Name} has no option \"{name}\". Options: {string.Join(", ", command.Options.Select(o => o.Name))}.");

    private CliLine Append(string part)
    {
        text.Append(' ').Append(part);
        return this;
    }
}
