import 'katex/dist/katex.min.css';
import './ui/global.css';
import './app/notebook-app';
