import { mount } from "svelte";
import Console from "./Console.svelte";
import "../app.css";
import "./console.css";

mount(Console, { target: document.getElementById("console")! });
