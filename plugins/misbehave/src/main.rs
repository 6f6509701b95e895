fn main() {
    ratify_misbehave::main()
}
